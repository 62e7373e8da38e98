package store

import (
	"sync"
	"time"
)

// recent remembers, for a short while, the version and stored state of the
// tickets this store last read or wrote, so that an Update soon after —
// the acknowledgement's claim after Observe's read, its record after the
// claim, a ticket's next webhook — can put without reading first. The put's
// version condition is what makes that safe: a state that went stale is
// refused, and the refusal returns the current item to go on from.
//
// A refused put costs more than the read it saved (a write unit against
// half a read unit), so entries live only as long as one webhook's work,
// and only what this process wrote or read is kept.
type recent struct {
	mu     sync.Mutex
	max    int
	maxAge time.Duration
	now    func() time.Time
	items  map[Key]recentItem
}

type recentItem struct {
	version int64
	state   []byte // as stored (encodeState); decoded afresh for each use
	at      time.Time
}

const (
	recentMax    = 1024
	recentMaxAge = 2 * time.Second
)

func newRecent(now func() time.Time) *recent {
	return &recent{max: recentMax, maxAge: recentMaxAge, now: now, items: map[Key]recentItem{}}
}

// remember keeps k's state at version, replacing an older one.
func (r *recent) remember(k Key, version int64, state []byte) {
	if r == nil || len(state) == 0 {
		return
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.items[k]; ok && old.version > version {
		return
	}
	if len(r.items) >= r.max {
		for k, it := range r.items {
			if now.Sub(it.at) > r.maxAge {
				delete(r.items, k)
			}
		}
		if len(r.items) >= r.max {
			clear(r.items)
		}
	}
	r.items[k] = recentItem{version: version, state: state, at: now}
}

// take removes and returns k's remembered state if it is fresh: one Update
// uses it, and concurrent ones read.
func (r *recent) take(k Key) (recentItem, bool) {
	if r == nil {
		return recentItem{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	it, ok := r.items[k]
	if !ok {
		return recentItem{}, false
	}
	delete(r.items, k)
	return it, r.now().Sub(it.at) <= r.maxAge
}
