//! `--shard i/n` and `--shard auto`: the shard of an array job, read from the variables that
//! Slurm, Kubernetes Indexed Jobs and AWS Batch set for each task.

use super::ShardSpec;

/// Count variable that a Kubernetes Indexed Job manifest sets (Kubernetes gives each pod
/// `JOB_COMPLETION_INDEX` but not the completion count).
pub const K8S_COUNT_VAR: &str = "VERBATIM_SHARD_COUNT";

/// The (index, count) variable pairs tried by `--shard auto`, in order.
pub const AUTO_SOURCES: [(&str, &str); 3] = [
    ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"),
    ("JOB_COMPLETION_INDEX", K8S_COUNT_VAR),
    ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE"),
];

/// Parses `i/n` (0 <= i < n).
pub fn parse(s: &str) -> Result<ShardSpec, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?}: write the shard as i/n, e.g. 0/4, or auto"))?;
    let i: u64 = i
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: i is not a number"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: n is not a number"))?;
    if n == 0 || i >= n {
        return Err(format!("{s:?}: need 0 <= i < n"));
    }
    Ok(ShardSpec { index: i, count: n })
}

/// The shard of this array task, from the environment `var` looks up.
///
/// Slurm's task id is counted from `SLURM_ARRAY_TASK_MIN` when it is set.
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<ShardSpec, String> {
    for (index_var, count_var) in AUTO_SOURCES {
        let Some(index) = var(index_var) else {
            continue;
        };
        let count = var(count_var).ok_or_else(|| {
            format!(
                "--shard auto: {index_var}={index} is set but {count_var} is not; set \
                 {count_var} to the number of shards{}",
                if count_var == K8S_COUNT_VAR {
                    " in the Job manifest (the same value as completions)"
                } else {
                    ""
                }
            )
        })?;
        let num = |name: &str, v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("--shard auto: {name}={v:?} is not a whole number"))
        };
        let (mut i, n) = (num(index_var, &index)?, num(count_var, &count)?);
        // Slurm numbers tasks from --array's first value (--array=1-4 gives 1..4).
        if let Some(min) = var("SLURM_ARRAY_TASK_MIN").filter(|_| index_var.starts_with("SLURM")) {
            i = i.saturating_sub(num("SLURM_ARRAY_TASK_MIN", &min)?);
        }
        if n == 0 || i >= n {
            return Err(format!(
                "--shard auto: {index_var}={i} with {count_var}={n}; the index must be below the \
                 count (with Slurm, number the array from 0: --array=0-{})",
                n.max(1) - 1
            ));
        }
        return Ok(ShardSpec { index: i, count: n });
    }
    Err(format!(
        "--shard auto: no array job found; set one of {} (Slurm array, Kubernetes Indexed Job, \
         AWS Batch array), or pass --shard i/n",
        AUTO_SOURCES
            .iter()
            .map(|(i, n)| format!("{i} + {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Parses the value of `--shard`: `i/n`, or `auto` for the array task's shard.
pub fn parse_arg(s: &str) -> Result<ShardSpec, String> {
    if s.trim() == "auto" {
        from_env(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    } else {
        parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn reads_each_job_engine() {
        let s = |i, n| ShardSpec { index: i, count: n };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(from_env(slurm), Ok(s(2, 4)));
        let from_one = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ]);
        assert_eq!(from_env(from_one), Ok(s(3, 4)));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0"), ("VERBATIM_SHARD_COUNT", "3")]);
        assert_eq!(from_env(k8s), Ok(s(0, 3)));
        let aws = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "7"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "8"),
        ]);
        assert_eq!(from_env(aws), Ok(s(7, 8)));
        assert_eq!(parse("1/2"), Ok(s(1, 2)));
    }

    #[test]
    fn says_what_is_missing() {
        let none = from_env(env(&[])).unwrap_err();
        assert!(
            none.contains("SLURM_ARRAY_TASK_ID") && none.contains("--shard i/n"),
            "{none}"
        );
        let k8s = from_env(env(&[("JOB_COMPLETION_INDEX", "1")])).unwrap_err();
        assert!(k8s.contains("VERBATIM_SHARD_COUNT"), "{k8s}");
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert!(from_env(slurm).unwrap_err().contains("--array=0-3"));
        let bad = env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "x"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ]);
        assert!(from_env(bad).unwrap_err().contains("whole number"));
    }
}
