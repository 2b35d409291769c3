package chaos

import "testing"

func TestCheck(t *testing.T) {
	base := func() Observed {
		return Observed{
			Acked:     map[string]bool{"cli_1": true, "inv_2": false},
			Streams:   map[string]bool{"cli_1": true, "inv_2": true},
			Events:    []Event{{ID: "evt_a", Live: true, Subscribed: true}, {ID: "evt_b", Subscribed: true}, {ID: "evt_c", Live: true}},
			AllEvents: []string{"evt_a", "evt_b", "evt_c"},
			Relayed:   map[string]bool{"evt_a": true, "evt_b": true, "evt_c": true},
			Documents: map[string]bool{"cli_1": true, "inv_2": true},
			LiveGot:   map[string]int{"evt_a": 3},
			TestGot:   map[string]int{},
			Writes: []Write{{Key: "k1", FirstID: "cli_1", RetryStatus: 201, RetryID: "cli_1"},
				{Key: "k2", RetryStatus: 201, RetryID: "inv_2"}},
			Created: []string{"cli_1", "inv_2"},
		}
	}
	tests := []struct {
		name     string
		mutate   func(*Observed)
		wantOK   bool
		wantDups int
	}{
		{"nothing lost, duplicates reported", func(*Observed) {}, true, 2},
		{"acked write missing from the store", func(o *Observed) { delete(o.Streams, "inv_2") }, false, 2},
		{"event never relayed", func(o *Observed) { delete(o.Relayed, "evt_c") }, false, 2},
		{"projection behind", func(o *Observed) { delete(o.Documents, "cli_1") }, false, 2},
		{"live event not delivered", func(o *Observed) { o.LiveGot = map[string]int{} }, false, 0},
		{"unsubscribed live event may be missing", func(o *Observed) { o.Events[2].Subscribed = false }, true, 2},
		{"test event delivered", func(o *Observed) { o.TestGot["evt_b"] = 1 }, false, 2},
		{"test event to the live endpoint", func(o *Observed) { o.LiveGot["evt_b"] = 1 }, false, 2},
		{"bad signature", func(o *Observed) { o.BadSig = 1 }, false, 2},
		{"retry not answered 2xx", func(o *Observed) { o.Writes[1].RetryStatus, o.Writes[1].RetryID = 409, "" }, false, 2},
		{"retry answered another object", func(o *Observed) { o.Writes[0].RetryID = "cli_7" }, false, 2},
		{"retry created a duplicate", func(o *Observed) { o.Created = append(o.Created, "cli_9") }, false, 2},
		{"two keys answered one object", func(o *Observed) { o.Writes[1].RetryID = "cli_1" }, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.mutate(&o)
			r := Check(o)
			if got := r.OK(); got != tt.wantOK {
				t.Errorf("OK() = %v, want %v; rows %+v", got, tt.wantOK, r.Rows)
			}
			if r.Duplicates != tt.wantDups {
				t.Errorf("Duplicates = %d, want %d", r.Duplicates, tt.wantDups)
			}
		})
	}
}
