package chaos

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// retryResult is the answer to a write's retry with its Idempotency-Key.
type retryResult struct {
	status   int // 0: never answered before the deadline
	id       string
	replayed bool
	attempts int // requests sent, waits on idempotency_key_in_use included
	inUse    int // idempotency_key_in_use answers waited out
}

// retryAll retries every write with its Idempotency-Key, as a client
// does after a timeout or a dropped connection: on the other API, again
// after a transport error, a 5xx or idempotency_key_in_use (a request
// that died before committing holds its key for a few seconds), until an
// answer or the deadline. Writes answered the first time are retried too:
// their retry must replay the same object.
func (l *load) retryAll(ctx context.Context, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	work := make(chan *write)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for w := range work {
				w.retry = l.retry(ctx, w)
			}
		})
	}
	for _, w := range l.writes {
		work <- w
	}
	close(work)
	wg.Wait()
}

func (l *load) retry(ctx context.Context, w *write) retryResult {
	var r retryResult
	for i := 1; ; i++ {
		api := l.apis[(w.api+i)%len(l.apis)]
		a, err := send(api, w.path, w.apiKey, w.key, w.body)
		r.attempts++
		switch {
		case err != nil, a.status >= 500:
		case a.status == 409 && a.code == "idempotency_key_in_use":
			r.inUse++
		default:
			r.status, r.id, r.replayed = a.status, a.id, a.replayed
			return r
		}
		select {
		case <-ctx.Done():
			return r
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// retryFigures sums up the retries.
type retryFigures struct {
	writes, unanswered, retried2xx, replayed, sameObject, answered2xx int
	recovered                                                         int // unanswered, and the retry replayed a committed answer
	attempts, inUse                                                   int
}

func (l *load) figures() retryFigures {
	var f retryFigures
	f.writes = len(l.writes)
	for _, w := range l.writes {
		r := w.retry
		if w.firstID == "" {
			f.unanswered++
			if r.replayed && r.status/100 == 2 {
				f.recovered++
			}
		} else {
			f.answered2xx++
			if r.id == w.firstID {
				f.sameObject++
			}
		}
		if r.status/100 == 2 {
			f.retried2xx++
		}
		if r.replayed {
			f.replayed++
		}
		f.attempts += r.attempts
		f.inUse += r.inUse
	}
	return f
}

func (f retryFigures) print(out io.Writer) {
	fmt.Fprintf(out, "retries: %d keyed writes retried with their Idempotency-Key (%d requests, %d idempotency_key_in_use waited out)\n",
		f.writes, f.attempts, f.inUse)
	fmt.Fprintf(out, "retries: %d/%d answered 2xx, %d replayed a recorded answer\n", f.retried2xx, f.writes, f.replayed)
	fmt.Fprintf(out, "retries: %d writes without a 2xx first answer, %d of them had committed (the retry replayed their answer)\n",
		f.unanswered, f.recovered)
	fmt.Fprintf(out, "retries: %d/%d writes answered 2xx the first time got the same object again\n", f.sameObject, f.answered2xx)
}

// checkedWrites is the checker's view of the writes.
func (l *load) checkedWrites() []Write {
	out := make([]Write, len(l.writes))
	for i, w := range l.writes {
		out[i] = Write{Key: w.key, FirstID: w.firstID, RetryStatus: w.retry.status, RetryID: w.retry.id}
	}
	return out
}
