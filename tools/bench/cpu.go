package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuUse is CPU time (user and system) spent so far by this process (the
// API, the worker roles and the load generator all run in it) and by the
// PostgreSQL cluster (the postmaster, its live children, and its children
// that exited, which the kernel adds to the postmaster's count when it
// reaps them: autovacuum workers, for instance).
type cpuUse struct{ self, pg time.Duration }

func (a cpuUse) sub(b cpuUse) cpuUse { return cpuUse{a.self - b.self, a.pg - b.pg} }

// clockTick is the unit of /proc/<pid>/stat's times (USER_HZ, 100 on every
// Linux that Go runs on).
const clockTick = 10 * time.Millisecond

// cpuNow reads both counters from /proc. Where /proc is missing it answers
// zeros, and the rows that use it say so.
func (s *system) cpuNow() cpuUse {
	self, _ := procTimes("self", false)
	return cpuUse{self: self, pg: s.postgresCPU()}
}

// postgresCPU is the CPU of the cluster's processes: the postmaster (with
// its reaped children) and every process whose parent it is.
func (s *system) postgresCPU() time.Duration {
	pidFile, err := os.ReadFile(filepath.Join(s.cluster.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	master, _, _ := strings.Cut(string(pidFile), "\n")
	total, _ := procTimes(master, true)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		if ppid, _ := procField(d.Name(), 1); ppid == master {
			t, _ := procTimes(d.Name(), false)
			total += t
		}
	}
	return total
}

// procTimes is utime+stime of pid, plus cutime+cstime (its reaped
// children) when children is set.
func procTimes(pid string, children bool) (time.Duration, error) {
	var ticks int64
	last := 12 // stime, counted from the field after the command name
	if children {
		last = 14 // cstime
	}
	for i := 11; i <= last; i++ { // utime, stime[, cutime, cstime]
		f, err := procField(pid, i)
		if err != nil {
			return 0, err
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// procField is field i of /proc/<pid>/stat counted from the state (0),
// after the command name, which may contain spaces.
func procField(pid string, i int) (string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", err
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 || end+2 > len(s) {
		return "", fmt.Errorf("/proc/%s/stat: unexpected format", pid)
	}
	fields := strings.Fields(s[end+2:])
	if i >= len(fields) {
		return "", fmt.Errorf("/proc/%s/stat: no field %d", pid, i)
	}
	return fields[i], nil
}

// perOp formats CPU per operation in microseconds.
func perOp(d time.Duration, n int) string {
	if n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n))
}

// perOpSeconds is the CPU of u per operation, in seconds.
func perOpSeconds(u cpuUse, n int) float64 {
	if n == 0 {
		return 0
	}
	return (u.self + u.pg).Seconds() / float64(n)
}

// cpuSplit formats a measurement's CPU per operation, split between this
// process and PostgreSQL.
func cpuSplit(u cpuUse, n int, self string) string {
	return fmt.Sprintf("%s (%s %s + PostgreSQL %s)", perOp(u.self+u.pg, n), self, perOp(u.self, n), perOp(u.pg, n))
}
