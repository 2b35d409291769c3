package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/facturo/facturo"
)

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in      []string
		want    []string
		badName string // the scope the error must name
	}{
		{in: nil, want: []string{}},
		{in: []string{"*"}, want: []string{"*"}},
		{in: []string{"invoices:read", "clients:write", "invoices:read"}, want: []string{"clients:write", "invoices:read"}},
		{in: []string{"invoices:send", "invoices:void", "webhooks:delete"}, want: []string{"invoices:send", "invoices:void", "webhooks:delete"}},
		{in: []string{"clients:read", "keys:delete"}, badName: "keys:delete"}, // retired
		{in: []string{"events:write"}, badName: "events:write"},               // retired
		{in: []string{"invoices:read", "invoices:fly", "nope"}, badName: "invoices:fly"},
		{in: []string{"clients:send"}, badName: "clients:send"}, // send exists only for invoices
		{in: []string{"Invoices:read"}, badName: "Invoices:read"},
		{in: []string{" invoices:read"}, badName: " invoices:read"},
		{in: []string{"invoices"}, badName: "invoices"},
		{in: []string{"invoices:*"}, badName: "invoices:*"},
		{in: []string{""}, badName: ""},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if tt.want == nil {
			var e *facturo.Error
			if !errors.As(err, &e) || e.Code != facturo.CodeInvalidScope {
				t.Errorf("ParseScopes(%q) err = %v, want %s", tt.in, err, facturo.CodeInvalidScope)
				continue
			}
			if e.Param != "scopes" || !strings.Contains(e.Message, "'"+tt.badName+"'") {
				t.Errorf("ParseScopes(%q) = %+v, want param scopes naming %q", tt.in, e, tt.badName)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScopes(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got.Strings(), tt.want) {
			t.Errorf("ParseScopes(%q) = %q, want %q", tt.in, got.Strings(), tt.want)
		}
	}
}

func TestScopesAllows(t *testing.T) {
	tests := []struct {
		granted  []string
		required string
		want     bool
	}{
		{[]string{"*"}, "invoices:void", true},
		{[]string{"*"}, "", false},
		{[]string{"invoices:read"}, "invoices:read", true},
		{[]string{"invoices:write"}, "invoices:read", false}, // write does not imply read
		{[]string{"invoices:write"}, "invoices:send", false}, // actions are separate
		{[]string{"invoices:read"}, "clients:read", false},
		{nil, "invoices:read", false},
	}
	for _, tt := range tests {
		s, err := ParseScopes(tt.granted)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Allows(tt.required); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.granted, tt.required, got, tt.want)
		}
	}
	if (Scopes{}).Allows("invoices:read") {
		t.Error("zero Scopes allows something")
	}
}

func TestScopeForMethod(t *testing.T) {
	tests := []struct{ resource, method, want string }{
		{"invoices", "GET", "invoices:read"},
		{"invoices", "HEAD", "invoices:read"},
		{"clients", "POST", "clients:write"},
		{"clients", "PUT", "clients:write"},
		{"clients", "PATCH", "clients:write"},
		{"webhooks", "DELETE", "webhooks:delete"},
		{"invoices", "OPTIONS", ""},
		{"invoices", "get", ""},
		{"unicorns", "GET", ""},
	}
	for _, tt := range tests {
		if got := ScopeForMethod(tt.resource, tt.method); got != tt.want {
			t.Errorf("ScopeForMethod(%q, %q) = %q, want %q", tt.resource, tt.method, got, tt.want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	seen := make(map[string]bool)
	for _, s := range cat {
		if seen[s.Scope] {
			t.Errorf("%q listed twice", s.Scope)
		}
		seen[s.Scope] = true
		if s.Description == "" {
			t.Errorf("%q has no description", s.Scope)
		}
		if _, err := ParseScopes([]string{s.Scope}); err != nil {
			t.Errorf("catalogue scope %q does not parse: %v", s.Scope, err)
		}
	}
	// 8 resources with read, write and delete, 3 with read and write, 4
	// read only (account, pdfs, events, verifactu), invoices:send,
	// invoices:void, receipts:send, retentions:send,
	// recurring_invoices:transition, recurring_invoices:generate,
	// quotes:send, quotes:transition, proformas:send,
	// proformas:transition, and *.
	if len(cat) != 8*3+3*2+4+10+1 {
		t.Errorf("catalogue has %d scopes", len(cat))
	}
}

// A key stored with scopes that left the catalogue keeps working: they are
// dropped on load (they granted nothing), and nothing fails.
func TestStoredScopesDropRetiredScopes(t *testing.T) {
	for _, v := range retired {
		if isScope(v) {
			t.Errorf("retired scope %q is still in the catalogue", v)
		}
		if _, err := ParseScopes([]string{v}); err == nil {
			t.Errorf("ParseScopes accepts retired scope %q", v)
		}
	}
	s := StoredScopes([]string{"keys:read", "clients:read", "events:delete", "account:write"})
	if got := s.Strings(); !slices.Equal(got, []string{"clients:read"}) {
		t.Errorf("StoredScopes = %q, want [clients:read]", got)
	}
	if !s.Allows("clients:read") || s.Allows("keys:read") {
		t.Error("stored scopes grant the wrong things")
	}
	if all := StoredScopes([]string{"*", "keys:write"}); !all.Allows("invoices:void") {
		t.Error("* lost with a retired scope beside it")
	}
	if got := StoredScopes(nil).Strings(); got == nil || len(got) != 0 {
		t.Errorf("StoredScopes(nil) = %#v", got)
	}
}
