#!/usr/bin/env bash
# Screenshots of the report sections of issue 13 (waterfall, trends, new theme candidates,
# segments) in headless Chromium, with the checks of tests/web/report.js: analyzes the demo and
# the demo plus 18 answers about a TV commercial planted in June 2025, writes both reports with
# --compare, and saves docs/screenshots/report-*.png. Needs chromium and node.
set -euo pipefail
cd "$(dirname "$0")/.."
V=target/release/verbatim
T=${TMPDIR:-/tmp}/verbatim-shots
mkdir -p "$T"
common=(--text-col Comment --score-col Score --id-col ResponseId --date-col Date
  --segment-col Country --segment-col Plan --codebook corpora/eval/themes.yaml --force)
$V analyze corpora/demo/feedback.csv "${common[@]}" --out "$T/demo"
python3 - "$T/planted.csv" <<'PY'
import csv, io, sys
P = [
 ("en","Your new TV commercial with the singing cat is so annoying, I mute it every time."),
 ("en","That radio jingle about ShopNow plays every ten minutes, please stop the ad."),
 ("en","The new advertising campaign with the cat song is irritating."),
 ("he","הפרסומת החדשה בטלוויזיה עם החתול השר ממש מעצבנת."),
 ("he","הג'ינגל של הפרסומת ברדיו חוזר כל הזמן, נמאס."),
 ("he","קמפיין הפרסום החדש שלכם עם השיר של החתול צורם ומעצבן."),
 ("fa","تبلیغ تلویزیونی جدیدتان با گربه آوازخوان خیلی آزاردهنده است."),
 ("fa","آهنگ تبلیغ رادیویی شما مدام پخش می‌شود، خسته شدیم."),
 ("fa","کمپین تبلیغاتی جدید با آهنگ گربه واقعاً اعصاب‌خردکن است."),
 ("ar","إعلانكم التلفزيوني الجديد مع القطة المغنية مزعج جدا."),
 ("ar","أغنية الإعلان في الراديو تتكرر كل عشر دقائق، كفى."),
 ("ar","الحملة الإعلانية الجديدة مع أغنية القطة مزعجة للغاية."),
 ("de","Eure neue Fernsehwerbung mit der singenden Katze nervt total."),
 ("de","Der Werbejingle im Radio läuft ständig, bitte hört auf damit."),
 ("fr","Votre nouvelle publicité télé avec le chat qui chante est insupportable."),
 ("fr","Le jingle publicitaire à la radio passe toutes les dix minutes."),
 ("es","El nuevo anuncio de televisión con el gato que canta es muy molesto."),
 ("ru","Ваша новая реклама по телевизору с поющим котом очень раздражает."),
]
C = {"en":"US","he":"IL","fa":"IR","ar":"AE","de":"DE","fr":"FR","es":"ES","ru":"RU"}
rows = [(C[l], t) for l, t in P]
src = open("corpora/demo/feedback.csv", encoding="utf-8", newline="").read()
if not src.endswith("\r\n"):
    src += "\r\n"
out = io.StringIO()
w = csv.writer(out, lineterminator="\r\n")
for i, (c, t) in enumerate(rows):
    w.writerow([f"R_P{i+1:02}", f"2025-06-{2+i:02}", c, "Basic", 5 + i % 4, t])
open(sys.argv[1], "w", encoding="utf-8", newline="").write(src + out.getvalue())
PY
$V analyze "$T/planted.csv" "${common[@]}" --out "$T/planted"
$V report "$T/demo" --compare 2025-Q1..2025-Q2 --out "$T/demo-report/report.html"
$V report "$T/planted" --compare 2025-05..2025-06 --out "$T/planted-report/report.html"
node tests/web/report.js "$T/demo-report/report.html" "$T/demo"
node tests/web/report.js "$T/planted-report/report.html" "$T/planted"
cp "$T/demo-compare.png" docs/screenshots/report-compare-waterfall.png
cp "$T/demo-trends.png" docs/screenshots/report-trends.png
cp "$T/demo-segments.png" docs/screenshots/report-segments.png
cp "$T/planted-candidates.png" docs/screenshots/report-new-theme-candidate.png
ls -l docs/screenshots/report-*.png
