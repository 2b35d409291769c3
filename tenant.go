package facturo

// Tenant scopes every resource: one organization, one mode. A test-mode key
// sees only the test data of its organization, a live key only the live data.
// Every store method takes a Tenant and every query filters on both fields.
type Tenant struct {
	OrgID    string
	Livemode bool
}

// Mode is "live" or "test", as in key prefixes and NATS subjects.
func (t Tenant) Mode() string { return ModeName(t.Livemode) }

// ModeName names a livemode flag.
func ModeName(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}
