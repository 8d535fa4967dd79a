//! A job's processes as `/proc` shows them: every descendant of the process that started
//! the sandbox, with its CPU time and resident memory, and a way to stop them all.

use std::collections::HashMap;

/// One process's line of `/proc/<pid>/stat`, the parts a job's accounting needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    pub ppid: i32,
    pub comm: String,
    /// Its own CPU time and that of its children it has waited for, in clock ticks.
    pub ticks: u64,
    /// Resident pages.
    pub rss_pages: u64,
}

/// Parses `/proc/<pid>/stat`; the command's name may hold spaces and parentheses, so the
/// fields are counted from the last `)`.
pub fn parse_stat(line: &str) -> Option<Stat> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let pid = line[..open].trim().parse().ok()?;
    let comm = line[open + 1..close].to_owned();
    let rest: Vec<&str> = line[close + 1..].split_whitespace().collect();
    let num = |i: usize| rest.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        pid,
        ppid: rest.get(1)?.parse().ok()?,
        comm,
        // utime, stime, cutime, cstime: fields 14–17, here 11–14.
        ticks: num(11)? + num(12)? + num(13)? + num(14)?,
        rss_pages: num(21)?,
    })
}

/// Every process on the machine, by pid.
fn all() -> HashMap<i32, Stat> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            && let Some(s) = parse_stat(&text)
        {
            out.insert(pid, s);
        }
    }
    out
}

/// The descendants of `root` (not `root` itself).
pub fn descendants(root: i32) -> Vec<Stat> {
    let procs = all();
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for s in procs.values() {
        children.entry(s.ppid).or_default().push(s.pid);
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for c in children.get(&p).into_iter().flatten() {
            if let Some(s) = procs.get(c) {
                out.push(s.clone());
                todo.push(*c);
            }
        }
    }
    out
}

/// What the descendants of `root` use now: CPU time in milliseconds (their own and their
/// waited-for children's) and resident memory in KiB.
pub fn usage(root: i32) -> (u64, u64) {
    let tick_ms = 1000 / ticks_per_second().max(1);
    let page_kib = rustix::param::page_size() as u64 / 1024;
    descendants(root).iter().fold((0, 0), |(cpu, rss), s| {
        (cpu + s.ticks * tick_ms, rss + s.rss_pages * page_kib)
    })
}

fn ticks_per_second() -> u64 {
    rustix::param::clock_ticks_per_second()
}

/// Sends SIGKILL to every descendant of `root` but the sandbox's own processes (`bwrap`,
/// whose init reaps the rest, so their CPU time is still counted); how many it signalled.
pub fn kill_job_processes(root: i32) -> usize {
    let mut n = 0;
    for s in descendants(root) {
        if s.comm == "bwrap" {
            continue;
        }
        if let Some(pid) = rustix::process::Pid::from_raw(s.pid) {
            // It may be gone already.
            if rustix::process::kill_process(pid, rustix::process::Signal::KILL).is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// Sends SIGKILL to a process group (the sandbox's outermost processes).
pub fn kill_group(pgid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_parses_even_when_the_name_holds_parentheses() {
        let line = "4242 (my (odd) job) S 4200 4242 4242 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 100 1000000 250 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.pid, 4242);
        assert_eq!(s.ppid, 4200);
        assert_eq!(s.comm, "my (odd) job");
        assert_eq!(s.ticks, 7 + 3 + 2 + 1);
        assert_eq!(s.rss_pages, 250);
    }

    #[test]
    fn this_process_has_its_children_among_its_descendants() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        let found = descendants(me).iter().any(|s| s.pid == child.id() as i32);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found);
    }
}
