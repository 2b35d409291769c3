package pgcluster

import (
	"bytes"
	"strings"
	"sync"
)

// logTail keeps the last lines the server wrote, to quote them when it fails
// to start, and forwards every line to Logf when one is set.
type logTail struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	max     int
	logf    func(format string, args ...any)
}

func newLogTail(max int, logf func(string, ...any)) *logTail {
	return &logTail{max: max, logf: logf}
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.lines = append(l.lines, line)
		if len(l.lines) > l.max {
			l.lines = l.lines[len(l.lines)-l.max:]
		}
		if l.logf != nil {
			l.logf("postgres: %s", line)
		}
	}
	return len(p), nil
}

// String returns the kept lines, oldest first.
func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.Join(l.lines, "\n")
	if len(l.partial) > 0 {
		s += "\n" + string(l.partial)
	}
	return s
}

// contains reports whether any kept line holds s.
func (l *logTail) contains(s string) bool {
	return strings.Contains(l.String(), s)
}

// reset forgets the kept lines, so that a new start is judged on its own log.
func (l *logTail) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines, l.partial = nil, nil
}
