package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the API's Prometheus instruments.
type Metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	AuthFailures *prometheus.CounterVec
}

// NewMetrics registers the instruments on reg (nil: a private registry, for
// tests and for several servers in one process).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facturo_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "facturo_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route", "method"}),
		AuthFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "facturo_auth_failures_total", Help: "Failed authentications by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.requests, m.duration, m.AuthFailures)
	return m
}

type routeLabelKey struct{}

// withRouteLabel gives the request a slot that the matched route fills in,
// so the outer middleware can label metrics by route template.
func withRouteLabel(ctx context.Context) context.Context {
	return context.WithValue(ctx, routeLabelKey{}, new(string))
}

func setRouteLabel(ctx context.Context, route string) {
	if p, ok := ctx.Value(routeLabelKey{}).(*string); ok {
		*p = route
	}
}

func (m *Metrics) observe(r *http.Request, status int, d time.Duration) {
	route := "unmatched"
	if p, ok := r.Context().Value(routeLabelKey{}).(*string); ok && *p != "" {
		route = *p
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, r.Method).Observe(d.Seconds())
}
