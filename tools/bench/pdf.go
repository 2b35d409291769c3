package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// pdfRenders: GET /v1/invoices/{id}/pdf of one issued three-line invoice
// (every request renders: no If-None-Match) against GET /v1/invoices/{id}
// of the same invoice (the same fold, encoded as JSON) at concurrency c
// for d; then the same PDF with its ETag in If-None-Match (304, no
// render).
func pdfRenders(ctx context.Context, s *system, key, client string, c int, d time.Duration) ([]Row, error) {
	inv, err := s.post("POST", "/v1/invoices", key, json.RawMessage(invoiceBody(client)), 201)
	if err != nil {
		return nil, err
	}
	id := inv["id"].(string)
	if _, err := s.post("POST", "/v1/invoices/"+id+"/issue", key, map[string]any{}, 200); err != nil {
		return nil, err
	}
	pdfURL, jsonURL := s.base+"/v1/invoices/"+id+"/pdf", s.base+"/v1/invoices/"+id
	var etag string
	mp := attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: pdfURL, Header: bearer(key)}), c, 0, d, func(r *vegeta.Result) {
		if etag == "" && r.Code == http.StatusOK {
			etag = r.Headers.Get("ETag")
		}
	})
	mj := attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: jsonURL, Header: bearer(key)}), c, 0, d, nil)
	if mp.Success < 0.99 || mj.Success < 0.99 || etag == "" {
		return nil, fmt.Errorf("pdf load: success %.3f (JSON %.3f), errors %v", mp.Success, mj.Success, mp.Errors)
	}
	h := bearer(key)
	h.Set("If-None-Match", etag)
	mc := attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: pdfURL, Header: h}), c, 0, d, nil)
	return []Row{
		{fmt.Sprintf("PDF renders/s, GET /v1/invoices/{id}/pdf (c=%d, %.0f bytes)", c, mp.BytesIn.Mean), f1(mp.Throughput), f1(mj.Throughput) + " (GET /v1/invoices/{id} JSON)", ratio(mp.Throughput, mj.Throughput)},
		{"PDF render mean latency", ms(mp.Latencies.Mean), ms(mj.Latencies.Mean) + " (JSON)", ratio(float64(mp.Latencies.Mean), float64(mj.Latencies.Mean))},
		{"PDF If-None-Match req/s (304, no render)", f1(mc.Throughput), f1(mp.Throughput) + " (rendering)", ratio(mc.Throughput, mp.Throughput)},
	}, nil
}
