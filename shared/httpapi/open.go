package httpapi

import (
	"net/http"
	"strconv"

	"github.com/slawatch/slawatch/shared/reconfig"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// MaxOpenTickets is the most tickets one page of GET /api/open-tickets
// holds, and its default.
const MaxOpenTickets = 200

type openTicketsPage struct {
	// Tickets are whole stored states, events and all: what
	// `slawatch config diff` retargets under two configurations.
	Tickets []sla.Ticket `json:"tickets"`
	// Next is the last ticket of the page, to pass as after_source and
	// after_id for the next; null on the last page.
	Next *store.Key `json:"next"`
}

// openTickets serves GET /api/open-tickets?after_source=&after_id=&limit=:
// the stored state of the tickets with a running clock (reconfig.Open),
// by source and id, a page at a time.
func (a *API) openTickets(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	if a.Clocks == nil {
		writeError(w, http.StatusNotImplemented, "listing open tickets needs a store that lists running clocks, which this server does not have", nil)
		return
	}
	v := r.URL.Query()
	limit := MaxOpenTickets
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxOpenTickets {
			writeError(w, http.StatusBadRequest, "limit: want a whole number from 1 to "+strconv.Itoa(MaxOpenTickets), map[string]string{"parameter": "limit"})
			return
		}
		limit = n
	}
	after := store.Key{Source: v.Get("after_source"), ID: v.Get("after_id")}
	keys, err := reconfig.Open(r.Context(), a.Clocks)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "open tickets", "err", err)
		writeError(w, http.StatusInternalServerError, "could not list the open tickets", nil)
		return
	}
	i := 0
	if after != (store.Key{}) {
		for i < len(keys) && (keys[i].Source < after.Source || (keys[i].Source == after.Source && keys[i].ID <= after.ID)) {
			i++
		}
	}
	page := openTicketsPage{Tickets: []sla.Ticket{}}
	for _, k := range keys[i:min(len(keys), i+limit)] {
		t, err := a.Tickets.Get(r.Context(), k)
		if err != nil {
			a.Log.ErrorContext(r.Context(), "open tickets", "source", k.Source, "ticket", k.ID, "err", err)
			writeError(w, http.StatusInternalServerError, "could not read an open ticket", nil)
			return
		}
		page.Tickets = append(page.Tickets, t)
	}
	if end := i + limit; end < len(keys) {
		page.Next = &keys[end-1]
	}
	writeJSON(w, http.StatusOK, page)
}
