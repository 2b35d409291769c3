package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/natsjs"
	"github.com/facturo/facturo/internal/testenv"
)

// A message the running worker can never apply shows in `worker events
// poison`, for the fan-out and the projection alike.
func TestPoisonIsListed(t *testing.T) {
	ns := testenv.NATS(t)
	env := map[string]string{"DATABASE_URL": testenv.Postgres(t), "NATS_URL": ns.URL(),
		"FACTURO_METRICS_ADDR": "127.0.0.1:0"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"run"}, getenv, io.Discard, io.Discard) }()
	defer func() { cancel(); <-done }()

	nc, err := natsjs.Connect(ns.URL(), t.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := natsjs.EnsureStream(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": "evt_garbled", "type": 42})
	if _, err := js.Publish(ctx, events.SubjectPrefix+".live.org_x.client.created", body); err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var buf bytes.Buffer
		if err := Run(ctx, []string{"events", "poison"}, getenv, &buf, io.Discard); err != nil {
			continue // the worker may not have migrated yet
		}
		if out = buf.String(); strings.Contains(out, "webhooks-fanout") && strings.Contains(out, "documents") {
			break
		}
	}
	if !strings.Contains(out, "webhooks-fanout") || !strings.Contains(out, "documents") ||
		!strings.Contains(out, "events.live.org_x.client.created") {
		t.Fatalf("worker events poison:\n%s\nwant the message, for the fan-out and the documents projection", out)
	}
	var buf bytes.Buffer
	if err := Run(ctx, []string{"events", "poison", "--consumer", "documents", "--json"}, getenv, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	var p events.Poison
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &p); err != nil || p.Consumer != "documents" || p.StreamSeq != 1 {
		t.Fatalf("--json: %q (%v)", buf.String(), err)
	}
}
