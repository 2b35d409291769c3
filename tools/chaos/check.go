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
	for _, n := range o.LiveGot {
		r.Duplicates += max(n-1, 0)
	}
	return r
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
