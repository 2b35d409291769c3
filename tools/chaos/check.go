package chaos

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// Observed is everything the checker judges, gathered after the drain.
// The checker is pure so that its logic has its own unit test.
type Observed struct {
	Acked     map[string]bool // object id acknowledged with a 2xx -> livemode
	Streams   map[string]bool // stream ids present in the event store
	Events    []Event         // every event of the tenant, relay order
	Relayed   map[string]bool // event ids found in the JetStream stream
	AllEvents []string        // every event id in the store (all tenants)
	Documents map[string]bool // ids in the documents projection
	LiveGot   map[string]int  // event id -> 200 answers of the live endpoint
	TestGot   map[string]int  // event id -> 200 answers of the test endpoint
	BadSig    int             // deliveries whose signature did not verify
	Writes    []Write         // every keyed write of the load, retried with its key
	Created   []string        // ids of the objects the load created in the event store
}

// Write is one keyed write of the load: the id of its first answer ("" if
// it had no 2xx answer) and the answer to its retry with the same
// Idempotency-Key.
type Write struct {
	Key         string
	FirstID     string
	RetryStatus int // 0: no answer before the deadline
	RetryID     string
}

// Event is one stored event of the tenant under test.
type Event struct {
	ID   string
	Live bool
	// Subscribed: created after the endpoints, so the live endpoint must
	// get it (live) or it must be skipped (test).
	Subscribed bool
}

// Row is one line of the summary: a total-queue style property.
type Row struct {
	Check    string
	Expected int
	Found    int
	Lost     []string // ids that break the property; any makes the run fail
}

// Report is the checker's verdict.
type Report struct {
	Rows       []Row
	Duplicates int // extra 200 answers for one (event, endpoint): reported, not a failure
}

// OK is true when no row lost anything.
func (r Report) OK() bool {
	for _, row := range r.Rows {
		if len(row.Lost) > 0 {
			return false
		}
	}
	return true
}

// Check applies the total-queue properties to what was observed.
func Check(o Observed) Report {
	var r Report
	r.Rows = append(r.Rows, subset("2xx writes in the event store", keys(o.Acked), o.Streams))
	r.Rows = append(r.Rows, subset("events relayed to JetStream (by Nats-Msg-Id)", o.AllEvents, o.Relayed))
	r.Rows = append(r.Rows, subset("2xx writes in the documents projection", keys(o.Acked), o.Documents))
	var live []string
	var testLeaks []string
	for _, e := range o.Events {
		if e.Live && e.Subscribed {
			live = append(live, e.ID)
		}
		if !e.Live && (o.TestGot[e.ID] > 0 || o.LiveGot[e.ID] > 0) {
			testLeaks = append(testLeaks, e.ID)
		}
	}
	got := map[string]bool{}
	for id := range o.LiveGot {
		got[id] = true
	}
	r.Rows = append(r.Rows, subset("live events delivered, valid signature", live, got))
	// Anything the test endpoint accepted is a leak, even an id the store
	// does not know.
	for id := range o.TestGot {
		if !slices.Contains(testLeaks, id) {
			testLeaks = append(testLeaks, id)
		}
	}
	r.Rows = append(r.Rows, Row{Check: "test-mode events delivered (must be 0)", Expected: 0, Found: len(testLeaks), Lost: testLeaks})
	bad := Row{Check: "deliveries with an invalid signature (must be 0)", Found: o.BadSig}
	if o.BadSig > 0 {
		bad.Lost = []string{fmt.Sprintf("%d invalid signatures", o.BadSig)}
	}
	r.Rows = append(r.Rows, bad)
	r.Rows = append(r.Rows, checkRetries(o.Writes, o.Created)...)
	for _, n := range o.LiveGot {
		r.Duplicates += max(n-1, 0)
	}
	return r
}

// checkRetries checks the writes retried with their Idempotency-Key: each
// retry answered 2xx, a write answered 2xx before got the same object
// again, and the event store holds exactly the objects the writes were
// answered with: none created twice by a retry, no two keys answered with
// one object.
func checkRetries(writes []Write, created []string) []Row {
	answered := Row{Check: "retries with the key answered 2xx", Expected: len(writes)}
	same := Row{Check: "retries of 2xx writes answered the original object"}
	owner := map[string]string{} // object id -> key answered with it
	var shared []string
	for _, w := range writes {
		if w.RetryStatus/100 == 2 && w.RetryID != "" {
			answered.Found++
		} else {
			answered.Lost = append(answered.Lost, fmt.Sprintf("%s (%d)", w.Key, w.RetryStatus))
		}
		if w.FirstID != "" {
			same.Expected++
			if w.RetryID == w.FirstID {
				same.Found++
			} else {
				same.Lost = append(same.Lost, w.Key)
			}
		}
		for _, id := range []string{w.FirstID, w.RetryID} {
			if id == "" {
				continue
			}
			if k, ok := owner[id]; ok && k != w.Key {
				shared = append(shared, id)
			}
			owner[id] = w.Key
		}
	}
	once := Row{Check: "objects created, one per key (no duplicates)", Expected: len(writes), Found: len(created)}
	for _, id := range created {
		if _, ok := owner[id]; !ok {
			once.Lost = append(once.Lost, id) // created, answered to no key: a duplicate
		}
	}
	once.Lost = append(once.Lost, shared...)
	for _, r := range []*Row{&answered, &same, &once} {
		slices.Sort(r.Lost)
	}
	return []Row{answered, same, once}
}

// subset checks that every id of want is in have.
func subset(check string, want []string, have map[string]bool) Row {
	row := Row{Check: check, Expected: len(want)}
	for _, id := range want {
		if have[id] {
			row.Found++
		} else {
			row.Lost = append(row.Lost, id)
		}
	}
	slices.Sort(row.Lost)
	return row
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Print writes the summary table, with up to five lost ids per row.
func (r Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tEXPECTED\tFOUND\tLOST\tVERDICT")
	for _, row := range r.Rows {
		verdict := "ok"
		if len(row.Lost) > 0 {
			verdict = "LOSS: " + fmt.Sprint(row.Lost[:min(5, len(row.Lost))])
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", row.Check, row.Expected, row.Found, len(row.Lost), verdict)
	}
	fmt.Fprintf(tw, "duplicate deliveries (reported, not a failure)\t\t%d\t\t\n", r.Duplicates)
	tw.Flush()
}
