// Package faultproxy is a loopback HTTP reverse proxy that injects faults
// into the AWS API traffic passing through it: server errors and throttling
// answered in the service's own error format, latency, connections dropped
// before the request reaches the service, and — the case that tests
// idempotency — connections dropped, or answered with a server error,
// after the service has applied the request.
//
// Point an SDK client's BaseEndpoint at a Proxy served on 127.0.0.1 and its
// requests go to the target (DynamoDB Local, an SNS/SQS emulator) through
// the faults. Which request gets which fault is drawn from a seeded random
// source, so a run with the same seed and the same sequence of requests
// injects the same faults.
package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kind names a fault.
type Kind string

// The faults, in the order a request meets them.
const (
	// Latency delays the request by up to Rules.MaxLatency before anything
	// else; it combines with any other fault.
	Latency Kind = "latency"
	// Before5xx answers 500 with the service's internal-error body without
	// forwarding the request.
	Before5xx Kind = "before_5xx"
	// Throttle answers with the service's throttling error without
	// forwarding the request.
	Throttle Kind = "throttle"
	// DropBefore closes the client's connection without forwarding the
	// request.
	DropBefore Kind = "drop_before"
	// DropAfter forwards the request, lets the service apply it and read
	// its answer, then closes the client's connection: the client cannot
	// tell it from DropBefore and retries something already done.
	DropAfter Kind = "drop_after"
	// After5xx forwards the request and replaces the service's answer with
	// a 500.
	After5xx Kind = "after_5xx"
)

// Kinds lists every fault kind in report order.
func Kinds() []Kind {
	return []Kind{Before5xx, Throttle, Latency, DropBefore, DropAfter, After5xx}
}

// Rules sets how often each fault happens: a rate from 0 to 1 per request.
// Before5xx, Throttle, DropBefore, DropAfter and After5xx exclude one
// another: a request meets at most one of them, so their rates should sum to
// at most 1 (beyond that, the later kinds in that order get what is left).
// Latency is drawn separately and may come on top of any of them.
type Rules struct {
	Before5xx  float64
	Throttle   float64
	DropBefore float64
	DropAfter  float64
	After5xx   float64
	Latency    float64
	// MaxLatency bounds an injected delay, drawn uniformly from [0,
	// MaxLatency).
	MaxLatency time.Duration
}

// Uniform returns rules with every kind at rate and delays up to
// maxLatency.
func Uniform(rate float64, maxLatency time.Duration) Rules {
	return Rules{Before5xx: rate, Throttle: rate, DropBefore: rate, DropAfter: rate, After5xx: rate,
		Latency: rate, MaxLatency: maxLatency}
}

// Proxy forwards requests to one target and injects faults. It is an
// http.Handler; serve it on a loopback listener. It is safe for concurrent
// use.
type Proxy struct {
	target    *url.URL
	transport *http.Transport
	rules     atomic.Pointer[Rules]

	mu  sync.Mutex // guards rng
	rng *rand.Rand

	requests  atomic.Int64
	forwarded atomic.Int64
	faults    [nKinds]atomic.Int64

	opsMu sync.Mutex
	ops   map[string]*opCounters
}

// kindIndex places each kind in the counters.
const nKinds = 6

var kindIndex = map[Kind]int{Before5xx: 0, Throttle: 1, Latency: 2, DropBefore: 3, DropAfter: 4, After5xx: 5}

type opCounters struct {
	requests int64
	faults   map[Kind]int64
}

// New returns a proxy to target (scheme and host; a path is prefixed to
// every request's) injecting faults by rules, drawn from a PCG source seeded
// with seed.
func New(target *url.URL, rules Rules, seed uint64) *Proxy {
	p := &Proxy{
		target: target,
		// The proxy passes Accept-Encoding and bodies through untouched.
		transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ops:       map[string]*opCounters{},
	}
	p.SetRules(rules)
	return p
}

// SetRules replaces the rules for the requests that follow; Rules{} turns
// every fault off.
func (p *Proxy) SetRules(r Rules) {
	clamp := func(f *float64) { *f = min(max(*f, 0), 1) }
	for _, f := range []*float64{&r.Before5xx, &r.Throttle, &r.DropBefore, &r.DropAfter, &r.After5xx, &r.Latency} {
		clamp(f)
	}
	p.rules.Store(&r)
}

// Rules returns the rules in force.
func (p *Proxy) Rules() Rules { return *p.rules.Load() }

// Close releases the proxy's idle connections to the target.
func (p *Proxy) Close() { p.transport.CloseIdleConnections() }

// Stats counts what the proxy did.
type Stats struct {
	Requests  int64 // requests received
	Forwarded int64 // requests passed to the target (DropAfter and After5xx included)
	Faults    map[Kind]int64
	// Ops counts requests and faults per operation: the X-Amz-Target
	// ("DynamoDB.GetItem", "AmazonSQS.ReceiveMessage") or the query
	// protocol's Action ("SNS.Publish").
	Ops map[string]OpStats
}

// OpStats counts one operation's requests and faults.
type OpStats struct {
	Requests int64
	Faults   map[Kind]int64
}

// Injected returns the number of faults of every kind.
func (s Stats) Injected() int64 {
	var n int64
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats {
	s := Stats{Requests: p.requests.Load(), Forwarded: p.forwarded.Load(), Faults: map[Kind]int64{}, Ops: map[string]OpStats{}}
	for k, i := range kindIndex {
		s.Faults[k] = p.faults[i].Load()
	}
	p.opsMu.Lock()
	defer p.opsMu.Unlock()
	for name, c := range p.ops {
		o := OpStats{Requests: c.requests, Faults: map[Kind]int64{}}
		for k, v := range c.faults {
			o.Faults[k] = v
		}
		s.Ops[name] = o
	}
	return s
}

// decision is what happens to one request.
type decision struct {
	fault Kind // one of the exclusive kinds, or ""
	delay time.Duration
}

// decide draws a request's faults. It always takes three numbers from the
// source, so the n-th request gets the same draw whatever the rules.
func (p *Proxy) decide(r Rules) decision {
	p.mu.Lock()
	u, l, d := p.rng.Float64(), p.rng.Float64(), p.rng.Float64()
	p.mu.Unlock()
	var out decision
	if l < r.Latency && r.MaxLatency > 0 {
		out.delay = time.Duration(d * float64(r.MaxLatency))
	}
	edge := 0.0
	for _, c := range []struct {
		k    Kind
		rate float64
	}{{Before5xx, r.Before5xx}, {Throttle, r.Throttle}, {DropBefore, r.DropBefore}, {DropAfter, r.DropAfter}, {After5xx, r.After5xx}} {
		edge += c.rate
		if u < edge {
			out.fault = c.k
			break
		}
	}
	return out
}

func (p *Proxy) count(op string, k Kind) {
	p.faults[kindIndex[k]].Add(1)
	p.opsMu.Lock()
	defer p.opsMu.Unlock()
	c := p.op(op)
	c.faults[k]++
}

// op returns op's counters; p.opsMu must be held.
func (p *Proxy) op(name string) *opCounters {
	c := p.ops[name]
	if c == nil {
		c = &opCounters{faults: map[Kind]int64{}}
		p.ops[name] = c
	}
	return c
}

// ServeHTTP forwards r to the target, with the faults the rules draw.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "faultproxy: read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	proto := protocolOf(r.Header, body)
	n := p.requests.Add(1)
	p.opsMu.Lock()
	p.op(proto.op).requests++
	p.opsMu.Unlock()

	d := p.decide(p.Rules())
	if d.delay > 0 {
		p.count(proto.op, Latency)
		timer := time.NewTimer(d.delay)
		select {
		case <-r.Context().Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
	requestID := fmt.Sprintf("faultproxy-%08d", n)
	switch d.fault {
	case Before5xx, Throttle:
		p.count(proto.op, d.fault)
		proto.writeError(w, d.fault, requestID)
		return
	case DropBefore:
		p.count(proto.op, d.fault)
		drop(w)
		return
	}

	resp, respBody, err := p.forward(r.Context(), r, body)
	if err != nil {
		http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	p.forwarded.Add(1)
	switch d.fault {
	case DropAfter:
		p.count(proto.op, d.fault)
		drop(w)
		return
	case After5xx:
		p.count(proto.op, d.fault)
		proto.writeError(w, d.fault, requestID)
		return
	}
	h := w.Header()
	for k, vs := range resp.Header {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			h[k] = vs
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(respBody)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// hopByHop are the headers a proxy does not pass on (RFC 9110, 7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// forward sends the request to the target and reads the whole answer, so
// that the target has finished with it whatever happens next. The Host
// header is kept, so SigV4 signatures still match.
func (p *Proxy) forward(ctx context.Context, r *http.Request, body []byte) (*http.Response, []byte, error) {
	u := *p.target
	// The escaped path too: an encoded slash (Opsgenie's alias in the
	// path) must reach the target encoded.
	u.Path = strings.TrimSuffix(p.target.Path, "/") + r.URL.Path
	u.RawPath = strings.TrimSuffix(p.target.EscapedPath(), "/") + r.URL.EscapedPath()
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range r.Header {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			out.Header[k] = vs
		}
	}
	out.Host = r.Host
	out.ContentLength = int64(len(body))
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return resp, b, nil
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the response instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
