package e2e

import (
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Many invoices issued at once, through two API processes on one database,
// get exactly the numbers 1..N; test mode numbers on its own.
func TestIssuingIsGaplessAcrossAPIProcesses(t *testing.T) {
	s := startSystem(t)
	other := secondAPI(t, s)
	tk := s.newTenant("numbers@example.com")
	key := tk.live
	apis := []*system{s, other}
	for _, a := range apis {
		a.must(200, "GET", "/v1/series", key, nil) // warm each process's key cache
	}
	cid := s.must(201, "POST", "/v1/clients", key, acme).str("id")
	s.must(201, "POST", "/v1/series", key, map[string]any{"code": "C", "prefix": "C"})

	const n, workers = 40, 8
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "C", item(product("1.00", false), "1"))).str("id")
	}
	folios := make([]int, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				r := apis[i%2].call("POST", "/v1/invoices/"+ids[i]+"/issue", key, nil)
				statuses[i], folios[i] = r.Status, folio(r)
			}
		}()
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 {
			t.Fatalf("issue %d answered %d", i, st)
		}
	}
	slices.Sort(folios)
	for i, f := range folios {
		if f != i+1 {
			t.Fatalf("numbers are not 1..%d: %v", n, folios)
		}
	}
	// What each invoice says agrees with what the issue answered.
	last := s.must(200, "GET", "/v1/invoices/"+ids[n-1], key, nil)
	if f := folio(last); f < 1 || last.str("number") != "C"+strconv.Itoa(f) {
		t.Fatalf("issued invoice %s", last.Raw)
	}

	// Test mode never consumes live numbers, and vice versa. Series are per
	// mode: test mode creates its own C.
	tcid := s.must(201, "POST", "/v1/clients", tk.test, acme).str("id")
	s.must(201, "POST", "/v1/series", tk.test, map[string]any{"code": "C", "prefix": "C"})
	tid := s.must(201, "POST", "/v1/invoices", tk.test, invoiceBody(tcid, "C", item(product("1.00", false), "1"))).str("id")
	if f := folio(s.must(200, "POST", "/v1/invoices/"+tid+"/issue", tk.test, nil)); f != 1 {
		t.Fatalf("first test-mode folio = %d, want 1", f)
	}
	lid := s.must(201, "POST", "/v1/invoices", key, invoiceBody(cid, "C", item(product("1.00", false), "1"))).str("id")
	if f := folio(s.must(200, "POST", "/v1/invoices/"+lid+"/issue", key, nil)); f != n+1 {
		t.Fatalf("live folio after test issue = %d, want %d", f, n+1)
	}

	// The counter only moves forward past what was issued.
	series := seriesByCode(t, s, key, "C")
	bad := s.must(400, "PATCH", "/v1/series/"+series, key, map[string]any{"next_number": n})
	if bad.str("error", "param") != "next_number" {
		t.Fatalf("moving the counter back answered %s", bad.Raw)
	}
	moved := s.must(200, "PATCH", "/v1/series/"+series, key, map[string]any{"next_number": 100})
	if moved.Body["next_number"] != float64(100) {
		t.Fatalf("moved series %s", moved.Raw)
	}
}

func seriesByCode(t *testing.T, s *system, key, code string) string {
	t.Helper()
	var found string
	eventually(t, "series "+code+" listed", func() bool {
		for _, v := range s.must(200, "GET", "/v1/series", key, nil).list() {
			if v["code"] == code {
				found = v["id"].(string)
			}
		}
		return found != ""
	})
	return found
}
