// Package baseline holds the baselines that more than one benchmark
// measures against, so that each is defined once.
package baseline

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/facturo/facturo/webhooks/stdwebhooks"
)

// SignedPOSTs is the webhook baseline: n POSTs of body to url, signed with
// secret as deliveries are (Standard Webhooks), one after another from
// this process. It answers POSTs per second.
func SignedPOSTs(url, secret string, body []byte, n int) (float64, error) {
	cl := &http.Client{}
	t0 := time.Now()
	for i := range n {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		if err := stdwebhooks.Headers(req.Header, []string{secret}, fmt.Sprintf("msg_%d", i), time.Now(), body); err != nil {
			return 0, err
		}
		res, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}
