package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// sendEntry is one send of a delivery: its first, or a duplicate.
type sendEntry struct {
	d   *delivery
	dup bool
}

// scheduler keeps a working set of conversations in progress and hands
// their deliveries to the workers: a random ticket's next delivery, now
// and then a later one first (out of order), now and then the same one
// again (a duplicate, right away or later). A ticket whose deliveries are
// all sent leaves the set and a new one takes its place.
type scheduler struct {
	mu      sync.Mutex
	cond    *sync.Cond
	r       *rand.Rand
	size    int
	fresh   <-chan *ticket
	active  []*ticket
	all     []*ticket
	stopped bool

	dup, reorder float64
	firsts       int // deliveries sent at least once
	dups         int // duplicate sends
	reordered    int // deliveries sent while one with an earlier event of the same ticket waited
}

func newScheduler(r *rand.Rand, size int, fresh <-chan *ticket, dup, reorder float64) *scheduler {
	s := &scheduler{r: r, size: size, fresh: fresh, dup: dup, reorder: reorder}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// stop makes take return false from now on.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// take returns the next send, waiting if every active ticket's deliveries
// are in flight; false once stopped.
func (s *scheduler) take() (sendEntry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.stopped {
			return sendEntry{}, false
		}
		s.refill()
		if s.stopped {
			return sendEntry{}, false
		}
		if n := len(s.active); n > 0 {
			i := s.r.IntN(n)
			for j := range n {
				if t := s.active[(i+j)%n]; len(t.queue) > 0 {
					return s.pop(t), true
				}
			}
		}
		s.cond.Wait()
	}
}

// refill tops the working set up with fresh tickets, without waiting for
// the generator unless the set is empty.
func (s *scheduler) refill() {
	for len(s.active) < s.size && !s.stopped {
		var t *ticket
		ok := true
		if len(s.active) == 0 {
			s.mu.Unlock()
			t, ok = <-s.fresh
			s.mu.Lock()
		} else {
			select {
			case t, ok = <-s.fresh:
			default:
				return
			}
		}
		if !ok { // the generator gave up
			s.stopped = true
			s.cond.Broadcast()
			return
		}
		for _, d := range t.deliveries {
			t.queue = append(t.queue, sendEntry{d: d})
		}
		s.active = append(s.active, t)
		s.all = append(s.all, t)
	}
}

func (s *scheduler) pop(t *ticket) sendEntry {
	k := 0
	if len(t.queue) > 1 && s.r.Float64() < s.reorder {
		k = 1 + s.r.IntN(min(len(t.queue)-1, 3))
	}
	e := t.queue[k]
	t.queue = slices.Delete(t.queue, k, k+1)
	t.inflight++
	if e.dup {
		s.dups++
		return e
	}
	e.d.sent = true
	s.firsts++
	// want: the events meant, the same as the adapter reads (parseTicket
	// checks that after the run).
	if len(e.d.want) > 0 && slices.ContainsFunc(t.queue, func(o sendEntry) bool {
		return !o.dup && !o.d.sent && len(o.d.want) > 0 && o.d.at.Before(e.d.at)
	}) {
		s.reordered++
	}
	if s.r.Float64() < s.dup {
		// The helpdesk sends it again: a retry racing the first attempt,
		// or a redelivery later on.
		i := s.r.IntN(len(t.queue) + 1)
		t.queue = slices.Insert(t.queue, i, sendEntry{d: e.d, dup: true})
	}
	return e
}

// finish records that a send is over; a ticket with nothing left leaves
// the working set.
// It returns the ticket when this send was its last, else nil.
func (s *scheduler) finish(e sendEntry) (done *ticket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := e.d.t
	t.inflight--
	if len(t.queue) == 0 && t.inflight == 0 {
		if i := slices.Index(s.active, t); i >= 0 {
			s.active = slices.Delete(s.active, i, i+1)
		}
		done = t // its payloads stay until parseTicket reads them
	}
	s.cond.Broadcast()
	return done
}

// payloadBudget bounds the payloads kept for parsing after the sending
// phase (about 400,000 webhooks: 80 s at 5,000 a second); past it, a
// finished ticket's are parsed at once, while sending, as they were before.
const payloadBudget = 512 << 20

// keptPayloads adds up the payload bytes of finished tickets not yet
// parsed, against a budget (payloadBudget).
type keptPayloads struct {
	budget int64
	n      atomic.Int64
}

// keep counts t's payloads and reports whether they fit the budget; if
// not, they are not counted and the caller parses t now.
func (k *keptPayloads) keep(t *ticket) bool {
	var size int64
	for _, d := range t.deliveries {
		size += int64(len(d.body)) + 256 // and the headers, roughly
	}
	if k.n.Add(size) > k.budget {
		k.n.Add(-size)
		return false
	}
	return true
}

// sender posts deliveries to one slawatch server, each worker on its own
// connection (wire).
type sender struct {
	base    string            // http://127.0.0.1:port
	secrets map[string][]byte // by source
	// maxAttempts per send, as a helpdesk retries 5xx and connection
	// errors; backoff doubles from 100 ms.
	maxAttempts int
}

// result is what one worker saw.
type result struct {
	requests, retries, conn int
	byStatus                map[int]int
	latencies               []time.Duration
	refused                 []string // samples: status, source, body
}

func (r *result) add(o *result) {
	r.requests += o.requests
	r.retries += o.retries
	r.conn += o.conn
	if r.byStatus == nil {
		r.byStatus = map[int]int{}
	}
	for k, v := range o.byStatus {
		r.byStatus[k] += v
	}
	r.latencies = append(r.latencies, o.latencies...)
	for _, s := range o.refused {
		if len(r.refused) < 10 {
			r.refused = append(r.refused, s)
		}
	}
}

// send delivers e on the worker's connection w, retrying on 5xx, 408, 429
// and connection errors.
func (s *sender) send(ctx context.Context, w *wire, e sendEntry, res *result) {
	d := e.d
	v := d.t.vendor
	path := "/webhooks/" + v.name
	url := s.base + path
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if attempt > 1 {
			res.retries++
			select {
			case <-ctx.Done():
				d.uncertain.Store(true)
				return
			case <-time.After(time.Duration(100<<min(attempt-2, 4)) * time.Millisecond):
			}
		}
		h, body := d.header.Clone(), d.body
		// Helpdesks number their redeliveries: HubSpot and Intercom in the
		// body (so a redelivery is not byte for byte the first), Jira in a
		// header. The event ids stay the same.
		if n := d.attempts.Add(1) - 1; n > 0 {
			switch v.name {
			case "hubspot":
				body = bytes.ReplaceAll(body, []byte(`"attemptNumber":0`), []byte(`"attemptNumber":`+strconv.Itoa(int(n))))
			case "intercom":
				body = bytes.Replace(body, []byte(`"delivery_attempts":1`), []byte(`"delivery_attempts":`+strconv.Itoa(int(n)+1)), 1)
			case "jira":
				h.Set("X-Atlassian-Webhook-Retry", strconv.Itoa(int(n)))
			}
		}
		signed := provider.Request{Method: http.MethodPost, URL: url, Header: h, Body: body}
		if err := providertest.Sign(v.name, s.secrets[v.name], &signed, time.Now()); err != nil {
			panic(err) // every vendor has a scheme
		}
		start := time.Now()
		status, answer, err := w.post(ctx, path, h, body)
		res.latencies = append(res.latencies, time.Since(start))
		res.requests++
		if err != nil {
			res.conn++
			if ctx.Err() != nil {
				d.uncertain.Store(true)
				return
			}
			continue
		}
		res.byStatus[status]++
		switch code := status; {
		case code < 300:
			d.delivered.Store(true)
			return
		case code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
			continue
		default:
			d.refused.Add(1)
			if len(res.refused) < 10 {
				res.refused = append(res.refused, fmt.Sprintf("%d from /webhooks/%s (ticket %s): %s", code, v.name, d.t.id, bytes.TrimSpace(answer)))
			}
			return
		}
	}
	d.uncertain.Store(true)
}
