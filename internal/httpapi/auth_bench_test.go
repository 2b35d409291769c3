package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/postgres"
)

// BenchmarkAuthentication times one request through the route wrapper
// (text and query checks, then the handler) of a route without
// authentication ("none") and of an organization route with a scope whose
// key is cached ("cached_key": credential, parse, cache, allowlist, scope,
// usage recording). The handler is the same trivial one, so the difference
// of the two ns/op is what authentication adds to a request (make bench;
// issue 14 asks for at most 50 µs).
func BenchmarkAuthentication(b *testing.B) {
	tok, err := auth.Generate(auth.KindLive)
	if err != nil {
		b.Fatal(err)
	}
	authn := NewAuthenticator(nil, "")
	authn.Usage = &auth.UsageBatcher{}
	authn.Cache.Put(authn.Cache.Epoch(), tok, "key_1", Principal{
		Auth: AuthOrg, KeyID: "key_1", KeyPrefix: tok.Prefix(),
		Tenant: facturo.Tenant{OrgID: "org_1", Livemode: true}, Scopes: mustScopes(auth.ScopeAll),
	})
	// The routes are built on a store that is never used: no handler here
	// reads the database.
	s := New(Deps{Auth: authn, Store: postgres.NewEventStore(nil, nil)})
	ok := func(w http.ResponseWriter, _ *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]any{"object": "account"})
		return nil
	}
	for _, c := range []struct {
		name string
		rt   Route
	}{
		{"none", Route{Method: "GET", Path: "/v1/account", Auth: AuthNone}},
		{"cached_key", Route{Method: "GET", Path: "/v1/account", Auth: AuthOrg, Scope: "account:read"}},
	} {
		h := s.wrap(c.rt, reading(ok))
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "/v1/account", nil)
				r.Header.Set("Authorization", "Bearer "+tok.String())
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
