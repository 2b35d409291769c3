// Package replay is the operator tooling of `worker`: projection and relay
// status, event republishing, tailing and inspection, webhook redelivery,
// and the progress output of long commands. Rebuilding a projection is
// projections.Rebuilder's; the statements these tools run are in
// internal/postgres. It works against the same PostgreSQL and NATS as the
// running services, while they run.
package replay
