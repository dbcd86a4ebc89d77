#!/usr/bin/env python3
"""Generate corpora/demo/feedback.csv, a synthetic NPS survey export of the
fictional online retailer "ShopNow" (delivery, app, support, subscriptions).

All comment texts below were written by hand for the verbatim project (MIT).
The script only assigns ids, dates, countries, plans and scores that are
consistent with the tone of each hand-written comment. Deterministic
(random.seed(7)); run:  python3 corpora/demo/make_demo.py

Pool entry: (tone, themes, flags, text)
  tone   D = angry detractor (0-3), d = mild detractor (4-6),
         p = passive (7-8), P = promoter (9-10)
  themes space-separated codebook ids: delivery support wait_time price
         product_quality app_website billing staff
  flags  planted improvement ideas: W weekend delivery, C live chat support,
         K dark mode in the app, S cheaper shipping / lower free-shipping
         threshold, X easier subscription cancellation;
         r = talks about a recent improvement (dated April-June),
         @CC = country forced (e.g. currency in the text)
"""
import csv
import os
import random
import re
from collections import Counter

random.seed(7)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "feedback.csv")

POOLS = {}

POOLS["en"] = [
    ("D", "delivery", "", "Parcel marked as delivered but never arrived. Nobody seems to care."),
    ("D", "billing wait_time", "", "Charged twice for the same order and it took 3 weeks to get my money back."),
    ("D", "billing", "", "Tried to cancel my Plus subscription, the button just loops back to the offers page. Had to dispute with my bank."),
    ("D", "app_website", "", "App crashes every single time I hit 'Pay now'. Lost my cart twice."),
    ("D", "delivery support", "", "Lost package, 4 emails, zero answers. done with shopnow"),
    ("D", "delivery", "", "Order was 9 days late, the birthday was already over."),
    ("D", "billing", "", "They kept billing me after I cancelled. Unacceptable."),
    ("D", "app_website", "", "checkout crashes on android, cant even give you my money lol"),
    ("D", "delivery staff product_quality", "", "Courier threw the box over the fence, the lamp inside was broken. Never again."),
    ("D", "support wait_time", "", "Waited 50 min on the phone then got disconnected."),
    ("D", "billing", "", "Double charge on my card, again. Second time this year"),
    ("D", "delivery", "", "Where is my order??? 3 weeks"),
    ("D", "app_website billing", "", "The app froze at checkout, I tapped again and got charged twice.\nStill waiting for the refund."),
    ("D", "billing", "X", "Cancelling should not require a phone call and a \"retention specialist\". Make it a button in the account page."),
    ("d", "delivery", "", "Products are fine but delivery keeps slipping, 2-3 days later than promised every time."),
    ("d", "support delivery", "", "Great support but the parcel came late."),
    ("d", "price", "", "Honestly? You're pricier than every other store I checked."),
    ("d", "app_website", "", "App is slow and crashed once at checkout. Website works better."),
    ("d", "delivery", "W", "Deliveries only come on weekdays when I'm at work. Please add Saturday delivery."),
    ("d", "support wait_time", "C", "Email support takes 2 days to reply. A live chat would fix half of my problems."),
    ("d", "price delivery", "S", "Shipping costs more than the item sometimes. Lower the free shipping threshold pls"),
    ("d", "product_quality", "", "The shoes looked nothing like the photos, returned them."),
    ("d", "billing", "", "Invoice had the wrong address and it took ages to fix."),
    ("d", "staff delivery product_quality", "", "driver was rude, product ok"),
    ("d", "price", "", "meh. prices went up again"),
    ("d", "delivery", "", "Tracking said 'out for delivery' for 3 days."),
    ("d", "product_quality price", "", "Quality has gone down, but prices haven't."),
    ("d", "app_website", "", "Search in the app is useless, I can never find what I'm looking for."),
    ("d", "billing", "X", "Not bad overall, but the subscription was a pain to cancel, I had to email three times. Let people cancel in one click."),
    ("d", "wait_time support", "", "Had to wait over a week for a simple return label."),
    ("d", "delivery price", "S @US", "Free shipping only above $75 is way too high for one household item, so I go elsewhere for small orders."),
    ("d", "app_website", "K", "App is fine but way too bright at night, where is dark mode? Also it crashed at checkout once."),
    ("p", "", "", "ok i guess"),
    ("p", "delivery", "", "Delivery was on time, nothing special."),
    ("p", "price product_quality", "", "Good products, a bit pricey."),
    ("p", "delivery", "W", "Pretty good. Would be great if you delivered on weekends too"),
    ("p", "support", "C", "Support is helpful once you reach them, but a live chat instead of email would be nicer."),
    ("p", "app_website", "K", "Solid app. Dark mode please, my eyes hurt at night."),
    ("p", "app_website", "", "Website is fine, app is a bit clunky."),
    ("p", "delivery product_quality", "", "Arrived a day late but the product is good."),
    ("p", "price delivery", "", "Decent, but shipping fees add up"),
    ("p", "price", "S @US", "i'd order more often if shipping was free from a lower amount, like $40"),
    ("p", "staff wait_time", "", "The guy at the pickup point was friendly. Queue was long though."),
    ("p", "wait_time", "", "Refund came eventually, took about 10 days."),
    ("p", "product_quality support", "", "Mostly happy. One item was damaged, they replaced it."),
    ("p", "", "", "Good"),
    ("p", "delivery", "W", "Fine service. Any chance of Sunday delivery? Weekdays are tough for me."),
    ("p", "billing price", "", "Billing is clear, though the Pro plan isn't worth it for me."),
    ("p", "app_website", "", "App does the job. Notifications are a bit spammy."),
    ("p", "support app_website", "C", "Would love a chat option in the app, calling feels so 2005"),
    ("p", "price", "", "Prices are ok, nothing to write home about."),
    ("p", "delivery", "", "delivery fine, packaging a bit excessive"),
    ("p", "product_quality price", "", "Good quality, but the \"sale\" prices are not really sales."),
    ("p", "app_website", "K", "add a dark theme and you get a 10 from me"),
    ("p", "support wait_time", "", "Support is friendly, but wait times on the phone are long."),
    ("P", "support", "", "Support sorted out my issue in 5 minutes. Brilliant."),
    ("P", "product_quality", "", "Excellent quality, the jacket is even better than in the pictures."),
    ("P", "", "", "👍"),
    ("P", "delivery", "r", "Super fast delivery, it was at my door the next morning!"),
    ("P", "staff support", "", "Anna from customer service was amazing, thank you!"),
    ("P", "product_quality price", "", "Great value for money."),
    ("P", "", "", "Love this shop ❤️"),
    ("P", "delivery product_quality", "", "Everything arrived well packed and on time. Will order again."),
    ("P", "support", "", "Had a problem with a return, support handled it quickly and politely."),
    ("P", "app_website", "", "The app is super easy to use, reorder takes 2 taps."),
    ("P", "delivery", "W", "Love ShopNow! Only thing missing is Saturday delivery."),
    ("P", "support", "C", "Amazing service. A live chat would make it perfect."),
    ("P", "product_quality", "", "Products are always as described. Big fan."),
    ("P", "", "", "Great, no complaints"),
    ("P", "delivery", "r", "Delivery got so much faster lately, well done"),
    ("P", "support staff", "", "The support agent went above and beyond.\nShe even called me back the next day to check everything was ok."),
    ("P", "price product_quality support", "", "Prices are a bit high, but the quality and service make up for it."),
    ("P", "delivery", "W", "Quick and reliable. If you added weekend deliveries I'd never shop anywhere else."),
    ("P", "product_quality price", "", "Best headphones I have bought, and cheaper than elsewhere"),
    ("P", "", "", "great service!!"),
    ("P", "billing", "", "Upgrading to Pro was easy and the bill is transparent."),
    ("P", "app_website", "r", "Checkout in the app is smooth now, the crash bug seems fixed."),
    ("P", "support wait_time", "", "Answered my email within the hour. Impressive."),
    ("P", "product_quality delivery", "", "Fresh produce was actually fresh, delivered cold. 10/10"),
    ("P", "staff delivery", "", "The courier is always friendly and careful with the parcels."),
    ("P", "", "", "Very satisfied"),
    ("P", "product_quality", "", "Quality is consistently good, returns are painless."),
    ("P", "price delivery", "S", "Really good shop. A lower free-shipping minimum would be nice for small orders."),
    ("P", "delivery", "r", "on time, every time"),
    ("P", "support", "", "They refunded a damaged item without even asking for photos. That's how you keep customers."),
    ("P", "", "", "recommended it to my whole family"),
    ("P", "app_website product_quality", "W", "Great app and products. Weekend delivery would be the cherry on top"),
    ("P", "product_quality price", "", "Good products, fair prices, easy returns. What else do you need."),
    ("P", "billing", "X", "Happy customer. Only wish: make cancelling/pausing the subscription possible online, I had to call."),
    ("P", "delivery price", "", "Fast, cheap, reliable."),
]

POOLS["he"] = [
    ("D", "delivery support", "", "החבילה לא הגיעה בכלל ואף אחד לא עונה לי"),
    ("D", "billing wait_time", "", "חייבו אותי פעמיים על אותה הזמנה, עד עכשיו לא קיבלתי החזר"),
    ("D", "billing", "X", "ניסיתי לבטל את המנוי שלושה שבועות. זה פשוט לא הגיוני שאין כפתור ביטול באתר, תעשו את זה פשוט"),
    ("D", "app_website", "", "האפליקציה קורסת כל פעם שאני מגיע לתשלום"),
    ("D", "delivery", "", "ההזמנה איחרה בשבועיים!!! לא עוד"),
    ("D", "support wait_time", "", "חיכיתי שעה על הקו ובסוף ניתקו לי"),
    ("D", "delivery staff", "", "השליח השאיר את החבילה בלובי והיא נעלמה"),
    ("D", "billing", "", "המשכתם לחייב אותי אחרי שביטלתי. בזיון"),
    ("d", "delivery product_quality", "", "המוצרים בסדר אבל המשלוחים תמיד מאחרים"),
    ("d", "price", "", "יקר מדי, באתרים אחרים אותו מוצר זול יותר"),
    ("d", "app_website", "", "האפליקציה איטית ותקועה, בקופה היא נתקעה לי פעמיים"),
    ("d", "delivery", "W", "המשלוחים מגיעים רק באמצע השבוע כשאני בעבודה. הייתי שמח למשלוחים בשישי"),
    ("d", "support wait_time", "C", "אין עם מי לדבר. תוסיפו צ'אט חי באתר, מיילים לוקחים ימים"),
    ("d", "product_quality wait_time", "", "המוצר הגיע שבור וההחלפה לקחה המון זמן"),
    ("d", "staff support", "", "נציג שירות לא אדיב בכלל"),
    ("d", "delivery price", "", "משלוח יקר ואיטי"),
    ("d", "billing", "", "החשבונית לא תאמה את מה שהזמנתי, לקח זמן לתקן"),
    ("d", "wait_time billing", "", "הזיכוי לקח כמעט חודש"),
    ("d", "product_quality", "", "האיכות ירדה לאחרונה"),
    ("d", "price delivery", "S", "דמי המשלוח גבוהים מדי על הזמנות קטנות, תורידו את הסף למשלוח חינם"),
    ("d", "app_website", "", "לא מצליח להתחבר לאפליקציה מאז העדכון"),
    ("p", "", "", "בסדר פחות או יותר"),
    ("p", "delivery", "", "הגיע בזמן, בלי הפתעות"),
    ("p", "price product_quality", "", "מוצרים טובים, מחירים קצת גבוהים"),
    ("p", "delivery", "W", "שירות טוב. חסר לי משלוח ביום שישי או במוצאי שבת"),
    ("p", "app_website", "K", "האפליקציה נוחה, רק תוסיפו מצב כהה"),
    ("p", "support", "", "השירות בסדר, לפעמים צריך להתקשר כמה פעמים"),
    ("p", "delivery product_quality", "", "המשלוח איחר ביום אבל הכל הגיע שלם"),
    ("p", "support app_website wait_time", "C", "הייתי רוצה צ'אט עם נציג באפליקציה במקום לחכות בטלפון"),
    ("p", "app_website", "", "האתר עובד, קצת מסורבל"),
    ("p", "price", "", "המחירים סבירים"),
    ("p", "billing price", "", "מנוי Plus לא ממש שווה את הכסף בשבילי"),
    ("p", "product_quality", "", "רוב המוצרים טובים, אחד היה פגום"),
    ("p", "staff wait_time", "", "הצוות בנקודת האיסוף נחמד, התור ארוך"),
    ("p", "wait_time support", "", "לוקח זמן עד שעונים במייל"),
    ("p", "", "", "סביר פלוס"),
    ("P", "", "", "מעולה"),
    ("P", "support", "", "נציגת השירות הייתה מדהימה ופתרה לי את הבעיה תוך דקות"),
    ("P", "delivery", "r", "משלוח מהיר, הגיע למחרת!"),
    ("P", "product_quality", "", "איכות מצוינת, בדיוק כמו בתמונות"),
    ("P", "", "", "👍👍"),
    ("P", "delivery", "W", "אוהבת את השירות. רק חסרים משלוחים בסופ\"ש"),
    ("P", "app_website", "", "האפליקציה נוחה מאוד, הזמנה חוזרת בשתי לחיצות"),
    ("P", "staff delivery", "", "השליח תמיד אדיב וזהיר"),
    ("P", "price product_quality", "", "תמורה מצוינת למחיר"),
    ("P", "support wait_time", "", "ענו לי למייל תוך שעה, מרשים"),
    ("P", "delivery product_quality", "", "הכל הגיע ארוז יפה ובזמן. אזמין שוב"),
    ("P", "support", "", "שירות מצוין"),
    ("P", "support", "C", "הכל מעולה, צ'אט חי היה הופך את זה למושלם"),
    ("P", "app_website", "K", "מושלם. אם יהיה dark mode באפליקציה אני מאושר"),
    ("P", "product_quality price", "", "קניתי אוזניות, איכות מעולה ומחיר טוב"),
    ("P", "delivery", "r", "המשלוחים נהיו הרבה יותר מהירים בחודשים האחרונים"),
    ("P", "support product_quality", "", "החזירו לי כסף על מוצר פגום בלי שאלות"),
    ("P", "", "", "ממליץ לכולם"),
    ("P", "price support", "", "קצת יקר, אבל השירות שווה את זה"),
    ("P", "billing", "", "שדרוג ל-Pro היה פשוט והחיוב ברור"),
    ("P", "delivery", "W", "מהיר ואמין.\nתוסיפו משלוחים ביום שישי ואין עליכם"),
    ("P", "app_website", "r", "התשלום באפליקציה עובד חלק עכשיו"),
    ("P", "", "", "תודה רבה, הכל היה מצוין"),
    ("P", "product_quality", "", "מוצרים איכותיים, החזרות בקלות"),
]

# Persian: "~" marks a zero-width non-joiner (U+200C), replaced below.
POOLS["fa"] = [
    ("D", "delivery support", "", "بسته~ام هیچ~وقت نرسید و پشتیبانی جواب نمی~ده"),
    ("D", "billing", "", "دو بار از حسابم پول کم شد، هنوز برنگشته"),
    ("D", "billing", "X", "لغو اشتراک غیرممکنه! سه بار درخواست دادم. لطفاً یه دکمه ساده برای لغو بذارید"),
    ("D", "app_website", "", "اپلیکیشن موقع پرداخت بسته میشه، واقعا اعصاب خورد کنه"),
    ("D", "delivery", "", "سفارشم ده روز دیر رسید. افتضاح"),
    ("D", "support wait_time", "", "یک ساعت پشت خط موندم و آخرش قطع شد"),
    ("D", "delivery staff product_quality", "", "پیک بسته رو پرت کرد جلوی در، داخلش شکسته بود"),
    ("d", "delivery product_quality", "", "محصولات خوبن ولی ارسال همیشه دیر می~رسه"),
    ("d", "price", "", "قیمت~ها خیلی بالاست نسبت به بقیه فروشگاه~ها"),
    ("d", "app_website", "", "اپ کنده و موقع تسویه حساب هنگ می~کنه"),
    ("d", "delivery", "W", "فقط روزهای کاری ارسال دارید و من سر کارم. کاش آخر هفته هم ارسال داشتید"),
    ("d", "support wait_time", "C", "جواب ایمیل دو روز طول می~کشه. لطفا چت آنلاین بذارید"),
    ("d", "product_quality", "", "جنس پارچه با عکس فرق داشت"),
    ("d", "staff support", "", "اپراتور تلفنی خیلی بی~حوصله بود"),
    ("d", "price delivery", "S", "هزینه ارسال برای سفارش~های کوچیک زیاده، حداقل خرید برای ارسال رایگان رو کم کنید"),
    ("d", "billing", "", "فاکتور اشتباه صادر شد و اصلاحش کلی طول کشید"),
    ("d", "wait_time billing", "", "بازگشت وجه نزدیک یک ماه طول کشید"),
    ("d", "product_quality price", "", "کیفیت پایین اومده ولی قیمت نه"),
    ("d", "delivery", "", "کد رهگیری سه روز آپدیت نشد"),
    ("d", "app_website", "", "سایت روی گوشی درست باز نمی~شه، مجبورم با لپ~تاپ خرید کنم"),
    ("p", "", "", "خوبه"),
    ("p", "delivery", "", "به موقع رسید، چیز خاصی نیست"),
    ("p", "price product_quality", "", "جنس~ها خوبه ولی یه کم گرونه"),
    ("p", "delivery", "W", "راضی~ام. اگه جمعه~ها هم تحویل داشتید عالی می~شد"),
    ("p", "app_website", "K", "اپ خوبه فقط حالت تاریک نداره، شب~ها چشمم اذیت میشه"),
    ("p", "support", "", "پشتیبانی بد نیست، ولی باید چند بار زنگ بزنی"),
    ("p", "delivery product_quality", "", "یه روز دیرتر رسید ولی سالم بود"),
    ("p", "app_website", "", "سایت کار می~کنه ولی یه کم شلوغه"),
    ("p", "price", "", "قیمت~ها معقوله"),
    ("p", "billing price", "", "اشتراک Plus برای من ارزشش رو نداره"),
    ("p", "support wait_time", "C", "می~خواهم بتونم با پشتیبانی چت کنم، تلفن خیلی طول می~کشه"),
    ("p", "product_quality", "", "بیشتر محصولات خوبن، یکی ایراد داشت"),
    ("p", "wait_time support", "", "جواب ایمیل~ها دیر میاد"),
    ("p", "", "", "بد نیست"),
    ("P", "", "", "عالی بود"),
    ("P", "support", "", "پشتیبانی مشکلم رو در چند دقیقه حل کرد. ممنونم"),
    ("P", "delivery", "r", "سفارشم صبح روز بعد دم در بود، سرعت ارسال عالیه!"),
    ("P", "product_quality", "", "کیفیت عالی، دقیقاً مثل عکس"),
    ("P", "", "", "👌"),
    ("P", "delivery", "W", "خیلی راضی~ام، فقط کاش پنجشنبه و جمعه هم ارسال می~کردید"),
    ("P", "app_website", "", "اپلیکیشن خیلی راحته، سفارش دوباره با دو کلیک"),
    ("P", "staff delivery", "", "پیک همیشه مودب و با دقته"),
    ("P", "price product_quality", "", "ارزش خرید داره"),
    ("P", "support wait_time", "", "ظرف یک ساعت جواب ایمیلم رو دادند"),
    ("P", "delivery product_quality", "", "همه چیز سالم و به موقع رسید. باز هم سفارش میدم"),
    ("P", "app_website", "K", "همه چیز خوبه. حالت شب (دارک مود) هم اضافه کنید دیگه حرف نداره"),
    ("P", "product_quality", "", "هدفونی که خریدم فوق~العاده است"),
    ("P", "delivery", "r", "این چند ماه ارسال~ها خیلی سریع~تر شده، دمتون گرم"),
    ("P", "support product_quality", "", "کالای خراب رو بدون سوال پس گرفتن"),
    ("P", "", "", "به همه پیشنهادش می~کنم"),
    ("P", "price support", "", "یه کم گرونه ولی کیفیت و خدماتش می~ارزه"),
    ("P", "billing", "", "ارتقا به Pro ساده بود و صورتحساب شفافه"),
    ("P", "delivery", "W", "سریع و مطمئن. ارسال در روزهای تعطیل هم اضافه کنید لطفاً"),
    ("P", "app_website", "r", "پرداخت توی اپ الان بدون مشکل کار می~کنه"),
    ("P", "support", "C", "خدمات عالیه. یه چت زنده هم داشته باشید بهتر میشه"),
]
POOLS["fa"] = [(t, th, fl, s.replace("~", "\u200c")) for t, th, fl, s in POOLS["fa"]]

POOLS["ar"] = [
    ("D", "delivery support", "", "الطلب لم يصل حتى الآن رغم مرور أسبوعين، ولا أحد يرد"),
    ("D", "billing", "", "اتخصم مني المبلغ مرتين ولسه مارجعوش الفلوس"),
    ("D", "billing", "", "إلغاء الاشتراك مستحيل، كل مرة يحولوني لعرض جديد"),
    ("D", "app_website", "", "التطبيق يقفل كل ما أوصل لصفحة الدفع"),
    ("D", "delivery staff product_quality", "", "المندوب رمى الشحنة عند الباب والمنتج انكسر"),
    ("D", "support wait_time", "", "انتظرت ساعة على الهاتف ثم انقطع الاتصال"),
    ("D", "billing", "", "استمروا في خصم الاشتراك بعد الإلغاء. هذا غير مقبول"),
    ("d", "delivery product_quality", "", "المنتجات كويسة بس التوصيل دايماً متأخر"),
    ("d", "price", "", "الأسعار مرتفعة جداً مقارنة بالمتاجر الأخرى"),
    ("d", "app_website", "", "التطبيق بطيء وعلق معاي مرتين وقت الدفع"),
    ("d", "delivery", "W", "التوصيل فقط أيام الدوام وأنا بالشغل. أتمنى توصيل في عطلة نهاية الأسبوع"),
    ("d", "support wait_time", "C", "الرد على الإيميل ياخذ يومين، ليش ما في دردشة مباشرة؟"),
    ("d", "product_quality", "", "المنتج وصل مختلف عن الصورة"),
    ("d", "price delivery", "S", "رسوم الشحن عالية على الطلبات الصغيرة، خفضوا الحد الأدنى للشحن المجاني"),
    ("d", "staff support", "", "موظف خدمة العملاء كان غير مهذب"),
    ("d", "wait_time billing", "", "استرجاع المبلغ أخذ قرابة شهر"),
    ("d", "billing", "", "الفاتورة كانت غلط وتصحيحها أخذ وقت طويل"),
    ("d", "delivery", "@EG", "رقم التتبع ما اتحدثش من ٣ أيام"),
    ("d", "product_quality price", "@EG", "الجودة قلت والسعر زي ما هو"),
    ("p", "", "", "تمام"),
    ("p", "delivery", "", "وصل في الموعد، لا شيء مميز"),
    ("p", "price product_quality", "", "منتجات جيدة لكن الأسعار مرتفعة قليلاً"),
    ("p", "delivery", "W", "خدمة حلوة، ياريت يكون فيه توصيل يوم الجمعة والسبت"),
    ("p", "support", "C", "أتمنى إضافة محادثة فورية مع خدمة العملاء بدل الاتصال"),
    ("p", "support wait_time", "", "الدعم جيد لكن الوصول إليهم صعب"),
    ("p", "delivery product_quality", "", "تأخر يوم لكن وصل سليم"),
    ("p", "app_website", "", "الموقع يشتغل بس مزحوم شوية"),
    ("p", "price", "", "الأسعار معقولة"),
    ("p", "billing price", "@EG", "اشتراك Plus مش مستاهل بالنسبة لي"),
    ("p", "app_website", "K", "التطبيق ممتاز بس يحتاج وضع ليلي"),
    ("p", "product_quality", "", "أغلب المنتجات جيدة، واحد فقط كان فيه عيب"),
    ("p", "price delivery", "S", "لو الشحن مجاني من مبلغ أقل كنت طلبت أكثر"),
    ("p", "", "", "لا بأس"),
    ("P", "", "", "ممتاز جداً"),
    ("P", "support", "", "موظفة الدعم كانت رائعة وحلت المشكلة في دقائق"),
    ("P", "delivery", "r @EG", "توصيل سريع جداً، وصل تاني يوم!"),
    ("P", "product_quality", "", "جودة ممتازة ومطابقة للصور تماماً"),
    ("P", "", "", "👍"),
    ("P", "delivery", "W", "أحب الخدمة، بس نفسي يكون في توصيل في الويكند"),
    ("P", "app_website", "", "التطبيق سهل جداً وإعادة الطلب بضغطتين"),
    ("P", "staff delivery", "", "المندوب دائماً محترم وحريص"),
    ("P", "price product_quality", "", "قيمة ممتازة مقابل السعر"),
    ("P", "support wait_time", "", "ردوا على بريدي خلال ساعة، شيء رائع"),
    ("P", "delivery product_quality", "", "كل شيء وصل مغلفاً بعناية وفي الوقت. سأطلب مرة أخرى"),
    ("P", "support", "C", "كل شي ممتاز، لو فيه شات مباشر يكون كامل"),
    ("P", "product_quality", "", "السماعات اللي اشتريتها روعة"),
    ("P", "delivery", "r", "التوصيل صار أسرع بكثير الأشهر الأخيرة، شكراً"),
    ("P", "support product_quality", "", "استرجعوا المنتج التالف بدون أي أسئلة"),
    ("P", "", "", "أنصح الجميع بالتعامل معهم"),
    ("P", "price support", "", "غالي شوي بس الخدمة تستاهل"),
    ("P", "billing", "", "الترقية إلى Pro كانت سهلة والفاتورة واضحة"),
    ("P", "delivery", "W", "سريع وموثوق. أضيفوا التوصيل أيام العطل من فضلكم"),
    ("P", "app_website", "r", "الدفع في التطبيق صار يشتغل بدون مشاكل"),
    ("P", "", "", "شكراً لكم على الخدمة الرائعة"),
    ("P", "product_quality", "", "منتجات أصلية والاسترجاع سهل"),
]

POOLS["ru"] = [
    ("D", "delivery support", "", "Посылка потерялась, поддержка отвечает шаблонами. Больше не закажу"),
    ("D", "billing wait_time", "", "Списали деньги дважды за один заказ, возврат ждал три недели"),
    ("D", "billing", "X", "Отменить подписку невозможно — кнопки нет, пришлось звонить и ругаться.\nСделайте нормальную отмену в личном кабинете"),
    ("D", "app_website", "", "Приложение вылетает на этапе оплаты, каждый раз!"),
    ("D", "delivery", "", "Заказ опоздал на 10 дней"),
    ("D", "support wait_time", "", "Висел на линии 40 минут, потом сбросили"),
    ("d", "delivery product_quality", "", "Товары норм, но доставка вечно задерживается"),
    ("d", "price", "", "Дороговато, у конкурентов дешевле"),
    ("d", "app_website", "", "Приложение тормозит, на оплате зависло"),
    ("d", "delivery", "W", "Доставляют только в будни, когда я на работе. Добавьте доставку по выходным"),
    ("d", "support wait_time", "C", "Ответа на письмо ждать по два дня. Нужен онлайн-чат"),
    ("d", "product_quality wait_time", "", "Куртка пришла с дефектом, обмен затянулся"),
    ("d", "staff delivery", "", "Курьер нахамил"),
    ("d", "billing", "", "В чеке была не та сумма, разбирались долго"),
    ("d", "wait_time billing", "", "Возврат денег шел почти месяц"),
    ("d", "product_quality price", "", "Качество упало, а цены нет"),
    ("p", "", "", "норм вроде"),
    ("p", "delivery", "", "Привезли вовремя, без сюрпризов"),
    ("p", "price product_quality", "", "Товары хорошие, но цены кусаются"),
    ("p", "delivery", "W", "Нормально. Было бы здорово получать заказы в субботу"),
    ("p", "app_website", "K", "Приложение удобное, но очень не хватает тёмной темы"),
    ("p", "support wait_time", "", "Поддержка нормальная, но дозвониться сложно"),
    ("p", "delivery product_quality", "", "Задержали на день, но всё целое"),
    ("p", "app_website", "", "Сайт рабочий, но перегружен"),
    ("p", "billing price", "", "Подписка Plus мне не окупается"),
    ("p", "support app_website", "C", "Хотелось бы чат с оператором прямо в приложении"),
    ("p", "", "", "пойдет"),
    ("P", "", "", "Отлично"),
    ("P", "support", "", "Оператор решил проблему за пять минут, спасибо!"),
    ("P", "delivery", "r", "Доставка быстрая, привезли на следующий день"),
    ("P", "product_quality", "", "Качество отличное, всё как на фото"),
    ("P", "", "", "👍"),
    ("P", "delivery", "W", "Всё супер, только доставки в выходные не хватает"),
    ("P", "app_website", "", "Приложение удобное, повторный заказ в два клика"),
    ("P", "staff delivery", "", "Курьеры всегда вежливые"),
    ("P", "price product_quality", "", "Хорошее соотношение цены и качества"),
    ("P", "app_website", "K", "Всё отлично. Добавьте ночной режим в приложение — и будет идеально"),
    ("P", "delivery", "r", "Доставка стала заметно быстрее последние месяцы"),
    ("P", "support product_quality", "", "Вернули деньги за брак без лишних вопросов"),
    ("P", "", "", "Рекомендую друзьям"),
    ("P", "price support", "", "Немного дорого, но сервис того стоит"),
    ("P", "billing", "", "Перешёл на Pro без проблем, счета прозрачные"),
    ("P", "app_website", "r", "Оплата в приложении теперь работает без сбоев"),
    ("P", "support wait_time", "", "Ответили на письмо в течение часа, приятно удивлён"),
    ("P", "product_quality delivery", "", "Всё пришло аккуратно упакованным и вовремя. Закажу ещё"),
]

POOLS["es"] = [
    ("D", "delivery support", "", "El paquete nunca llegó y nadie me da respuesta"),
    ("D", "billing", "", "Me cobraron dos veces el mismo pedido y todavía no me devuelven el dinero"),
    ("D", "billing", "X", "Cancelar la suscripción es imposible. Deberían poner un botón para darse de baja y ya"),
    ("D", "app_website", "", "La app se cierra cada vez que intento pagar"),
    ("D", "delivery staff product_quality", "", "El repartidor dejó la caja tirada en la calle, llegó rota"),
    ("D", "support wait_time", "", "Esperé 45 minutos al teléfono y me colgaron"),
    ("d", "delivery product_quality", "", "Los productos están bien pero la entrega siempre se retrasa"),
    ("d", "price", "", "Muy caro comparado con otras tiendas"),
    ("d", "app_website", "@MX", "La aplicación va lentísima y se trabó en el pago"),
    ("d", "delivery", "W", "Solo entregan entre semana y yo trabajo. Ojalá hubiera entregas los sábados"),
    ("d", "support wait_time", "C", "Tardan dos días en contestar un correo. Pongan un chat en vivo, porfa"),
    ("d", "price delivery", "S", "El envío cuesta casi lo mismo que el producto, bajen el mínimo para envío gratis"),
    ("d", "product_quality", "", "La camiseta no se parecía nada a la foto"),
    ("d", "wait_time billing", "", "El reembolso tardó casi un mes"),
    ("d", "billing", "", "La factura salió con datos equivocados y tardaron mucho en corregirla"),
    ("d", "product_quality price", "", "La calidad ha bajado pero los precios no"),
    ("p", "", "", "todo bien"),
    ("p", "delivery", "", "Llegó a tiempo, nada especial"),
    ("p", "price product_quality", "", "Buenos productos, algo caros"),
    ("p", "delivery", "W", "Buen servicio. ¿Podrían repartir también el fin de semana?"),
    ("p", "price delivery", "S @ES", "Los gastos de envío me frenan, si el envío gratis empezara en 30 € compraría más"),
    ("p", "support wait_time", "", "El soporte está bien, aunque cuesta que te atiendan"),
    ("p", "app_website", "", "La web funciona, la app es un poco torpe"),
    ("p", "delivery product_quality", "", "Llegó un día tarde pero en perfecto estado"),
    ("p", "billing price", "", "El plan Plus no me compensa"),
    ("p", "support app_website", "C", "Me gustaría poder chatear con un agente desde la app"),
    ("p", "", "", "normalito"),
    ("P", "", "", "Excelente"),
    ("P", "support", "", "La chica de atención al cliente me resolvió todo en cinco minutos, ¡gracias!"),
    ("P", "delivery", "r", "Envío rapidísimo, llegó al día siguiente"),
    ("P", "product_quality", "", "Calidad excelente, igual que en las fotos"),
    ("P", "", "", "👏👏"),
    ("P", "delivery", "W", "Me encanta ShopNow, solo les falta entregar en fin de semana"),
    ("P", "app_website", "", "La app es muy cómoda, repetir un pedido son dos clics"),
    ("P", "staff delivery", "", "Los repartidores siempre amables y cuidadosos"),
    ("P", "price product_quality", "", "Muy buena relación calidad-precio"),
    ("P", "price delivery", "S", "Todo genial. Si bajaran el envío gratis a pedidos más pequeños sería perfecto"),
    ("P", "delivery", "r", "Las entregas son mucho más rápidas desde hace unos meses"),
    ("P", "support product_quality", "", "Me devolvieron el dinero de un producto defectuoso sin preguntas"),
    ("P", "", "", "Lo recomiendo al 100 por ciento"),
    ("P", "price support", "", "Un poco caro, pero el servicio lo vale"),
    ("P", "billing", "", "Pasar a Pro fue facilísimo y la factura es clara"),
    ("P", "app_website", "r @MX", "El pago en la app ya funciona sin problemas, antes se trababa"),
    ("P", "support wait_time", "", "Respondieron mi correo en menos de una hora, genial"),
    ("P", "delivery product_quality", "", "Todo llegó bien empaquetado y a tiempo, volveré a comprar"),
]

POOLS["de"] = [
    ("D", "delivery support", "", "Paket als zugestellt markiert, aber nie angekommen. Kundenservice unbrauchbar"),
    ("D", "billing wait_time", "", "Doppelt abgebucht und seit drei Wochen warte ich auf die Erstattung"),
    ("D", "billing", "X", "Das Abo zu kündigen ist eine Zumutung. Bitte einen einfachen Kündigungsbutton, wie gesetzlich vorgeschrieben!"),
    ("D", "app_website", "", "App stürzt beim Bezahlen ab, jedes Mal"),
    ("D", "support wait_time", "", "45 Minuten in der Warteschleife, dann aufgelegt"),
    ("d", "delivery product_quality", "", "Produkte okay, aber Lieferung immer verspätet"),
    ("d", "price", "", "Zu teuer im Vergleich zu anderen Shops"),
    ("d", "app_website", "", "Die App ist langsam und hängt beim Checkout"),
    ("d", "delivery", "W", "Lieferung nur unter der Woche, wenn ich arbeite. Samstagszustellung wäre super"),
    ("d", "support wait_time", "C", "Antworten per Mail dauern zwei Tage. Ein Live-Chat wäre echt hilfreich"),
    ("d", "product_quality wait_time", "", "Die Jacke hatte eine kaputte Naht, Umtausch dauerte ewig"),
    ("d", "staff delivery", "", "Der Fahrer war unfreundlich"),
    ("d", "wait_time billing", "", "Rückerstattung hat fast einen Monat gedauert"),
    ("d", "billing", "", "Rechnung mit falscher Adresse, Korrektur hat gedauert"),
    ("p", "", "", "passt schon"),
    ("p", "delivery", "", "Pünktlich geliefert, nichts Besonderes"),
    ("p", "price product_quality", "", "Gute Produkte, etwas teuer"),
    ("p", "price delivery", "S", "Versandkosten sind happig, kostenloser Versand sollte früher greifen"),
    ("p", "support wait_time", "", "Support ist ok, aber schwer zu erreichen"),
    ("p", "app_website", "", "Website funktioniert, App etwas umständlich"),
    ("p", "delivery product_quality", "", "Einen Tag zu spät, aber alles heil"),
    ("p", "billing", "X", "Grundsätzlich zufrieden, aber das Abo pausieren oder kündigen sollte online mit zwei Klicks gehen"),
    ("p", "billing price", "", "Plus lohnt sich für mich nicht"),
    ("p", "", "", "ganz ok"),
    ("P", "", "", "Super"),
    ("P", "support", "", "Der Kundenservice hat mein Problem in fünf Minuten gelöst. Danke!"),
    ("P", "delivery", "r", "Blitzschnelle Lieferung, schon am nächsten Tag da"),
    ("P", "product_quality", "", "Top Qualität, genau wie auf den Bildern"),
    ("P", "", "", "👍"),
    ("P", "app_website", "", "Die App ist sehr übersichtlich, Nachbestellen geht mit zwei Klicks"),
    ("P", "staff delivery", "", "Die Zusteller sind immer freundlich und vorsichtig"),
    ("P", "price product_quality", "", "Preis-Leistung stimmt"),
    ("P", "delivery", "r", "Die Lieferungen sind seit einigen Monaten deutlich schneller"),
    ("P", "support product_quality", "", "Defekten Artikel ohne Diskussion erstattet"),
    ("P", "", "", "Klare Empfehlung"),
    ("P", "price support", "", "Etwas teurer, aber der Service ist es wert"),
    ("P", "billing", "", "Upgrade auf Pro war einfach, Abrechnung transparent"),
    ("P", "app_website", "r", "Bezahlen in der App klappt jetzt ohne Absturz"),
    ("P", "support wait_time", "", "Antwort auf meine Mail innerhalb einer Stunde, klasse"),
    ("P", "delivery product_quality", "", "Alles gut verpackt und pünktlich, bestelle wieder"),
]

POOLS["fr"] = [
    ("D", "delivery support", "", "Colis jamais reçu, et le service client ne répond pas"),
    ("D", "billing", "", "Prélevé deux fois pour la même commande, toujours pas remboursé"),
    ("D", "app_website", "", "L'appli plante à chaque fois au moment de payer"),
    ("D", "billing", "X", "Impossible de résilier l'abonnement en ligne, il faut appeler. Mettez un bouton « résilier », c'est la base"),
    ("d", "delivery product_quality", "", "Les produits sont bien mais la livraison est toujours en retard"),
    ("d", "price", "", "Trop cher par rapport aux autres sites"),
    ("d", "delivery", "W", "Livraison uniquement en semaine quand je travaille... une livraison le samedi serait top"),
    ("d", "support wait_time", "C", "Deux jours pour répondre à un mail. Un chat en direct, ce serait trop demander ?"),
    ("d", "product_quality", "", "Le pull ne ressemblait pas du tout à la photo"),
    ("d", "wait_time billing", "", "Le remboursement a pris presque un mois"),
    ("d", "staff delivery", "", "Livreur désagréable"),
    ("p", "", "", "correct sans plus"),
    ("p", "delivery", "", "Livré à l'heure, rien de spécial"),
    ("p", "price product_quality", "", "Bons produits, un peu chers"),
    ("p", "price delivery", "S", "Les frais de port font mal, baissez le seuil de livraison gratuite"),
    ("p", "support wait_time", "", "Le support est sympa mais difficile à joindre"),
    ("p", "app_website", "", "Le site marche, l'appli est un peu lourde"),
    ("p", "billing price", "", "L'abonnement Plus ne vaut pas le coup pour moi"),
    ("P", "", "", "Parfait, rien à redire"),
    ("P", "support", "", "Le conseiller a réglé mon problème en cinq minutes, merci !"),
    ("P", "delivery", "r", "Livraison ultra rapide, reçu le lendemain"),
    ("P", "product_quality", "", "Qualité au top, conforme aux photos"),
    ("P", "app_website", "", "Appli très pratique, recommander prend deux clics"),
    ("P", "staff delivery", "", "Livreurs toujours polis et soigneux"),
    ("P", "price product_quality", "", "Très bon rapport qualité-prix"),
    ("P", "delivery", "r", "Les livraisons sont beaucoup plus rapides depuis quelques mois"),
    ("P", "support product_quality", "", "Remboursé pour un article défectueux sans discussion"),
    ("P", "", "", "Je recommande"),
    ("P", "price support", "", "Un peu cher mais le service vaut le coup"),
    ("P", "support wait_time", "", "Réponse à mon mail en moins d'une heure, bravo"),
]

LANG_COUNTS = {"en": 90, "he": 60, "fa": 55, "ar": 55, "ru": 45, "es": 45, "de": 40, "fr": 30}

# country: (main countries, weights), (occasional other countries)
COUNTRIES = {
    "en": (["US", "UK"], [55, 45], ["CA", "IL", "DE"]),
    "he": (["IL"], [1], ["US"]),
    "fa": (["IR"], [1], ["DE", "CA"]),
    "ar": (["SA", "EG", "AE"], [40, 35, 25], ["IL"]),
    "ru": (["RU"], [1], ["IL", "DE"]),
    "es": (["ES", "MX"], [55, 45], ["US"]),
    "de": (["DE", "AT"], [75, 25], ["CH"]),
    "fr": (["FR"], [1], ["BE", "CA"]),
}
OTHER_COUNTRY_RATE = 0.06

SCORES = {"D": ([0, 1, 2, 3], [2, 3, 4, 4]),
          "d": ([4, 5, 6], [3, 4, 4]),
          "p": ([7, 8], [5, 5]),
          "P": ([9, 10], [5, 5])}

# Dates: the NPS improves over the half-year. Every response gets a latent
# "when" key = tone base + gaussian noise; delivery complaints are pushed
# earlier (fewer delivery complaints after March), comments about a recent
# improvement later; responses are then sorted by the key and cut into months.
TREND_BASE = {"D": 0.0, "d": 0.2, "p": 0.5, "P": 0.8}
TREND_SIGMA = 1.4
DELIVERY_COMPLAINT_SHIFT = -1.0
RECENT_SHIFT = 2.5
MONTH_SIZES = [68, 66, 74, 70, 72, 70]          # Jan..Jun, sums to 420
DAYS = [31, 28, 31, 30, 31, 30]


def trend_key(tone, themes, flags):
    k = TREND_BASE[tone] + random.gauss(0, TREND_SIGMA)
    if tone in "Dd" and "delivery" in themes:
        k += DELIVERY_COMPLAINT_SHIFT
    if "r" in flags:
        k += RECENT_SHIFT
    return k


def pick_country(lang, flags):
    for f in flags:
        if f.startswith("@"):
            return f[1:]
    main, w, other = COUNTRIES[lang]
    if random.random() < OTHER_COUNTRY_RATE:
        return random.choice(other)
    return random.choices(main, weights=w)[0]


def pick_plan(text, themes):
    if re.search(r"\bPro\b", text):
        return "Pro"
    if re.search(r"\bPlus\b", text):
        return "Plus"
    if "billing" in themes:
        return random.choices(["Basic", "Plus", "Pro"], weights=[30, 45, 25])[0]
    return random.choices(["Basic", "Plus", "Pro"], weights=[45, 35, 20])[0]


def main():
    rows = []
    for lang, n in LANG_COUNTS.items():
        pool = POOLS[lang]
        assert len(pool) == n, (lang, len(pool), n)
        for tone, themes, flags, text in pool:
            flags = flags.split()
            themes = themes.split()
            rows.append({
                "Country": pick_country(lang, flags),
                "Plan": pick_plan(text, themes),
                "Score": random.choices(*SCORES[tone])[0],
                "Comment": text,
                "_key": trend_key(tone, themes, flags),
                "_lang": lang, "_tone": tone, "_themes": themes, "_flags": flags,
            })
    assert sum(MONTH_SIZES) == len(rows)
    rows.sort(key=lambda r: r["_key"])
    i = 0
    for month, size in enumerate(MONTH_SIZES, 1):
        for r in rows[i:i + size]:
            r["Date"] = f"2025-{month:02d}-{random.randint(1, DAYS[month - 1]):02d}"
        i += size
    assert all(r["Date"] >= "2025-04" for r in rows if "r" in r["_flags"])
    random.shuffle(rows)
    rows.sort(key=lambda r: r["Date"])   # stable: shuffled order within a day
    for i, r in enumerate(rows, 1):
        r["ResponseId"] = f"R_{i:04d}"

    cols = ["ResponseId", "Date", "Country", "Plan", "Score", "Comment"]
    with open(OUT, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])

    # summary (used for README.md)
    def nps(rs):
        p = sum(r["Score"] >= 9 for r in rs)
        d = sum(r["Score"] <= 6 for r in rs)
        return round(100 * (p - d) / len(rs)) if rs else 0

    print("rows", len(rows), "NPS", nps(rows))
    print("lang", dict(Counter(r["_lang"] for r in rows)))
    g = Counter("det" if r["Score"] <= 6 else "pas" if r["Score"] <= 8 else "pro" for r in rows)
    print("groups", dict(g))
    for m in range(1, 7):
        rs = [r for r in rows if int(r["Date"][5:7]) == m]
        dc = sum(1 for r in rs if r["Score"] <= 6 and "delivery" in r["_themes"])
        print(f"2025-{m:02d} n={len(rs)} NPS={nps(rs)} delivery_complaints={dc}")
    names = {"W": "weekend delivery", "C": "live chat support", "K": "dark mode in the app",
             "S": "cheaper shipping / lower free-shipping threshold",
             "X": "easier subscription cancellation"}
    for k, v in names.items():
        rs = [r for r in rows if k in r["_flags"]]
        print(f"idea {v}: {len(rs)} {dict(Counter(r['_lang'] for r in rs))}")
    print("themes", dict(Counter(t for r in rows for t in r["_themes"])))
    print("plans", dict(Counter(r["Plan"] for r in rows)))
    print("countries", dict(Counter(r["Country"] for r in rows)))


if __name__ == "__main__":
    main()
