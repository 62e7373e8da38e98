package store

import (
	"context"
	"time"
)

// AcceptedResolution is how often at most a source's LastAccepted is
// written: a busy source sends thousands of webhooks a minute, and the
// heartbeat needs to know only that it is alive.
const AcceptedResolution = time.Minute

// SourceTraffic is what the store knows of a source's webhook requests,
// and the state of its heartbeat alerts (package heartbeat).
type SourceTraffic struct {
	Source string
	// LastAccepted is the last accepted request, to within
	// AcceptedResolution (a later one less than that after it is not
	// written); zero: none recorded.
	LastAccepted time.Time
	// RejectedInARow counts the requests refused since the last accepted
	// one (a failed signature, no secret set).
	RejectedInARow int
	// LastRejected is the last refused request; zero: none.
	LastRejected time.Time
	// Watched is when the heartbeat first checked the source: the silence
	// of a source never heard from runs from there.
	Watched time.Time
	Alerts
}

// Alerts is the state of a source's heartbeat alerts: those sent and not
// yet ended by an sla.source_back.
type Alerts struct {
	// Silent, when not zero, says sla.source_silent was sent for the
	// silence that began at this instant (LastAccepted, or Watched for a
	// source never heard from).
	Silent time.Time
	// Rejected says sla.source_rejected was sent for the current streak of
	// refusals.
	Rejected bool
}

// Traffic keeps each source's SourceTraffic.
type Traffic interface {
	// RecordAccepted notes a request of source accepted at at. It writes
	// only when the stored LastAccepted is AcceptedResolution or more
	// before at, or a streak of refusals is to be reset: a busy source
	// costs one write a minute (and one failed conditional write for each
	// further call; heartbeat.Recorder saves those).
	RecordAccepted(ctx context.Context, source string, at time.Time) error
	// RecordRejected counts a request of source refused at at; every
	// refusal is counted, none is lost to a concurrent one.
	RecordRejected(ctx context.Context, source string, at time.Time) error
	// Watch returns source's state, its Watched set to now if the source
	// was never watched before (stored once: the first call wins).
	Watch(ctx context.Context, source string, now time.Time) (SourceTraffic, error)
	// SwapAlerts stores next as the alert state of seen.Source provided
	// that the stored alert state and LastAccepted are still seen's. Of
	// callers that read the same state, exactly one wins (true): the one
	// that sends the alerts the change stands for.
	SwapAlerts(ctx context.Context, seen SourceTraffic, next Alerts) (bool, error)
}
