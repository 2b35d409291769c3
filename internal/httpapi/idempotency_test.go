package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/facturo/facturo/events"
	"github.com/facturo/facturo/internal/app"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
	"github.com/facturo/facturo/projections"
	"github.com/facturo/facturo/webhooks"
)

// hookProjection is an inline projection that runs a test's hook inside
// every appending transaction, before it commits.
type hookProjection struct {
	hook *atomic.Pointer[func(ctx context.Context) error]
}

func (hookProjection) Name() string { return "test_hook" }

func (h hookProjection) Apply(ctx context.Context, _ pgx.Tx, _ events.Event) error {
	if fn := h.hook.Load(); fn != nil {
		return (*fn)(ctx)
	}
	return nil
}

// idemServer is keyTestServer with hooks inside (beforeCommit) and right
// after (Store.OnCommit) every command's transaction.
type idemServer struct {
	*keyTestServer
	beforeCommit atomic.Pointer[func(ctx context.Context) error]
	afterCommit  atomic.Pointer[func()]
}

func newIdemServer(t *testing.T) *idemServer {
	t.Helper()
	if err := app.InstallEventTypes(); err != nil {
		t.Fatal(err)
	}
	db := newKeyTestDB(t)
	s := &idemServer{}
	store := postgres.NewEventStore(db, events.Upcast, projections.Accounts{}, projections.Audit{}, hookProjection{&s.beforeCommit})
	store.OnCommit = func([]events.Event) {
		if fn := s.afterCommit.Load(); fn != nil {
			(*fn)()
		}
	}
	accts := postgres.NewAccountStore(db)
	activity := postgres.NewActivityStore(db)
	authn := httpapi.NewAuthenticator(accts, ktOperatorKey)
	authn.Usage = &auth.UsageBatcher{Keys: accts, Activity: activity}
	api := httpapi.New(httpapi.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: store, Accounts: accts,
		Documents: postgres.NewDocumentStore(db), Idempotency: postgres.NewIdempotencyStore(db),
		Activity: activity, Auth: authn, Ready: func(context.Context) error { return nil },
		BcryptCost:    bcrypt.MinCost,
		WebhookPolicy: webhooks.AddressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
	})
	s.keyTestServer = &keyTestServer{t: t, DB: db, Store: store, API: api, Auth: authn, Clock: &ktClock{}}
	return s
}

// doCtx is do with the request's context.
func (s *idemServer) doCtx(ctx context.Context, q ktReq) ktResponse {
	s.t.Helper()
	b, err := json.Marshal(q.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	req := httptest.NewRequestWithContext(ctx, q.Method, q.Path, bytes.NewReader(b))
	req.RemoteAddr = net.JoinHostPort("192.0.2.1", "40000")
	req.Header.Set("Authorization", "Bearer "+q.Key)
	for k, v := range q.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.API.Handler().ServeHTTP(rec, req)
	out := ktResponse{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	_ = json.Unmarshal(out.Raw, &out.Body)
	return out
}

// lastPosition is the position of the newest event.
func (s *idemServer) lastPosition() int64 {
	s.t.Helper()
	var p int64
	if err := s.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(max(position), 0) FROM events`).Scan(&p); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// streamsAfter lists the streams appended to after position, in order.
func (s *idemServer) streamsAfter(pos int64) []string {
	s.t.Helper()
	rows, err := s.DB.Pool.Query(context.Background(),
		`SELECT stream_id FROM events WHERE position > $1 GROUP BY stream_id ORDER BY min(position)`, pos)
	if err != nil {
		s.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	return ids
}

// idemCase is one POST through a command, on a fresh object each time.
type idemCase struct {
	name   string
	status int
	req    func(key string) ktReq
	secret string // the answer's field with a secret shown once, "" if none
	// works checks a secret of the answer; nil when there is none.
	works func(secret string) bool
}

// idemCases covers the shapes of a write: creations (with a secret shown
// once, with reads while answering), and actions on an existing object.
func idemCases(s *idemServer) []idemCase {
	tn := s.newTenant("idem@example.com")
	_, orgKey := s.newKey(tn, nil)
	rotated, _ := s.newKey(tn, map[string]any{"name": "to rotate"})
	cli := s.must(201, ktReq{Method: "POST", Path: "/v1/clients", Key: orgKey,
		Body: map[string]any{"legal_name": "Acme", "tax_id": "AAA010101AAA"}}).str("id")
	n := 0
	invoice := func() string {
		return s.must(201, ktReq{Method: "POST", Path: "/v1/invoices", Key: orgKey, Body: map[string]any{"client": cli,
			"payment_form": "03", "items": []any{map[string]any{"quantity": "1",
				"product": map[string]any{"description": "Hour", "price": "100.00"}}}}}).str("id")
	}
	self := s.newTenant("idem-self@example.com") // rotates its own user key
	orgWorks := func(secret string) bool {
		return s.do(ktReq{Method: "GET", Path: "/v1/clients", Key: secret}).Status == 200
	}
	return []idemCase{
		{"create user", 201, func(string) ktReq {
			n++
			return ktReq{Method: "POST", Path: "/v1/users", Key: ktOperatorKey,
				Body: map[string]any{"email": "u" + string(rune('a'+n)) + "@example.com", "name": "U"}}
		}, "secret_key", func(secret string) bool {
			return s.do(ktReq{Method: "GET", Path: "/v1/organizations", Key: secret}).Status == 200
		}},
		{"create organization", 201, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/organizations", Key: tn.UserKey, Body: map[string]any{"name": "Org"}}
		}, "", nil},
		{"create key", 201, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/organizations/" + tn.OrgID + "/api_keys", Key: tn.UserKey,
				Body: map[string]any{"name": "k", "mode": "test"}}
		}, "secret", orgWorks},
		{"rotate key", 200, func(string) ktReq {
			return ktReq{Method: "POST", Path: tn.keyPath(rotated) + "/rotate", Key: tn.UserKey, Body: map[string]any{}}
		}, "secret", orgWorks},
		{"rotate own user key", 200, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/user/secret_key/rotate", Key: self.UserKey, Body: map[string]any{}}
		}, "secret", func(secret string) bool {
			return s.do(ktReq{Method: "GET", Path: "/v1/organizations", Key: secret}).Status == 200
		}},
		{"create client", 201, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/clients", Key: orgKey,
				Body: map[string]any{"legal_name": "Beta", "tax_id": "BBB010101BBB"}}
		}, "", nil},
		{"create series", 201, func(string) ktReq {
			n++
			return ktReq{Method: "POST", Path: "/v1/series", Key: orgKey,
				Body: map[string]any{"code": "S" + string(rune('A'+n)), "next_number": 7}}
		}, "", nil},
		{"create webhook endpoint", 201, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/webhook_endpoints", Key: orgKey,
				Body: map[string]any{"url": "http://127.0.0.1:9/hook", "enabled_events": []string{"*"}}}
		}, "secret", func(secret string) bool { return strings.HasPrefix(secret, "whsec_") }},
		{"issue invoice", 200, func(string) ktReq {
			return ktReq{Method: "POST", Path: "/v1/invoices/" + invoice() + "/issue", Key: orgKey, Body: map[string]any{}}
		}, "", nil},
	}
}

// A request whose command committed but whose process died before it
// answered (a panic right after the commit here; SIGKILL in
// TestIdempotencyAfterAPIKill) is answered on retry with its committed
// answer: the original object, its secret included, and nothing written
// twice. Before, the retry got idempotency_key_in_use for 24 hours.
func TestIdempotentRetryAfterCrashBetweenCommitAndAnswer(t *testing.T) {
	s := newIdemServer(t)
	for i, c := range idemCases(s) {
		t.Run(c.name, func(t *testing.T) {
			key := "crash-" + c.name
			q := c.req(key)
			q.Header = map[string]string{"Idempotency-Key": key}
			before := s.lastPosition()
			crash := func() { panic("crash between commit and answer") }
			s.afterCommit.Store(&crash)
			if r := s.do(q); r.Status != 500 {
				t.Fatalf("the crashed attempt answered %d %s, want the 500 of a panic", r.Status, r.Raw)
			}
			s.afterCommit.Store(nil)
			committed := s.lastPosition()
			streams := s.streamsAfter(before)
			if len(streams) == 0 {
				t.Fatal("the crashed attempt committed nothing")
			}
			r := s.do(q)
			if r.Status != c.status || r.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry %d: %d %s (replayed %q), want %d with the committed answer",
					i, r.Status, r.Raw, r.Header.Get("Idempotent-Replayed"), c.status)
			}
			if r.str("id") != streams[0] {
				t.Errorf("retry answered %s, want the object the crashed attempt wrote (%s)", r.str("id"), streams[0])
			}
			if s.lastPosition() != committed {
				t.Errorf("the retry appended events: the command ran twice")
			}
			if c.secret != "" && !c.works(r.str(c.secret)) {
				t.Errorf("the replayed %s %q does not work", c.secret, r.str(c.secret))
			}
		})
	}
}

// A client that goes away cancels its request's context. After the
// commit, that must not keep the answer from being recorded; before it,
// it must not keep the key from being released: either way the retry gets
// an answer (the original object, or a first and only creation), never
// idempotency_key_in_use.
func TestIdempotentRetryAfterClientDisconnect(t *testing.T) {
	s := newIdemServer(t)
	tn := s.newTenant("gone@example.com")
	_, key := s.newKey(tn, nil)
	body := map[string]any{"legal_name": "Gone SA", "tax_id": "AAA010101AAA"}
	q := ktReq{Method: "POST", Path: "/v1/clients", Key: key, Body: body, Header: map[string]string{"Idempotency-Key": "after"}}

	ctx, cancel := context.WithCancel(context.Background())
	after := func() { cancel() }
	s.afterCommit.Store(&after)
	first := s.doCtx(ctx, q)
	s.afterCommit.Store(nil)
	retry := s.must(201, q)
	if retry.Header.Get("Idempotent-Replayed") != "true" || retry.str("id") == "" ||
		(first.Status == 201 && first.str("id") != retry.str("id")) {
		t.Fatalf("after a disconnect past the commit: first %d %s, retry %s", first.Status, first.Raw, retry.Raw)
	}

	q.Header = map[string]string{"Idempotency-Key": "before"}
	ctx, cancel = context.WithCancel(context.Background())
	before := func(ctx context.Context) error { cancel(); return ctx.Err() }
	s.beforeCommit.Store(&before)
	pos := s.lastPosition()
	if r := s.doCtx(ctx, q); r.Status < 500 {
		t.Fatalf("a request canceled inside its transaction answered %d %s", r.Status, r.Raw)
	}
	s.beforeCommit.Store(nil)
	if s.lastPosition() != pos {
		t.Fatal("a canceled transaction wrote events")
	}
	retry = s.must(201, q)
	if retry.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the retry replayed %s; nothing was committed before", retry.Raw)
	}
	if got := len(s.streamsAfter(pos)); got != 1 {
		t.Fatalf("%d objects created, want 1", got)
	}
}
