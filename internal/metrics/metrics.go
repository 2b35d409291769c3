// Package metrics holds what Facturo's Prometheus metrics share between the
// packages that define them.
package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c on reg and returns it, or the collector already
// registered under the same description (a second worker or group on one
// registry shares the first one's). Any other failure is a programming
// error, two different metrics of one name, and panics at start-up.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(fmt.Sprintf("register metric: %v", err))
	}
	return c
}
