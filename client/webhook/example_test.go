package webhook_test

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/facturo/facturo/client"
	"github.com/facturo/facturo/client/webhook"
)

// A receiver: verify the raw body, then handle each webhook-id once.
func Example() {
	// One secret, or "whsec_new,whsec_old" during a rotation.
	v, err := webhook.NewVerifier(os.Getenv("FACTURO_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/facturo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || v.Verify(r.Header, body) != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		var ev client.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		log.Printf("%s %s (message %s)", ev.Type, ev.ID, r.Header.Get(webhook.HeaderID))
		w.WriteHeader(http.StatusNoContent)
	})
}
