package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// MaxAtRisk is the most clocks GET /api/at-risk lists, and its default:
// enough for a wall display, small enough for one poll to stay cheap.
const MaxAtRisk = 500

// atRiskItem is one running clock in GET /api/at-risk.
type atRiskItem struct {
	Source   string    `json:"source"`
	TicketID string    `json:"ticket_id"`
	Metric   string    `json:"metric"`
	Cycle    int       `json:"cycle,omitempty"`
	State    string    `json:"state"`
	DueAt    time.Time `json:"due_at"`
	// SecondsLeft is the time to the deadline, rounded down: negative once
	// breached (-90 is a minute and a half overdue), so it is below zero
	// exactly when the state is breached.
	SecondsLeft int64 `json:"seconds_left"`
	// WarningAt opens the warning window (at risk from then); null when
	// the policy warns at no point.
	WarningAt *time.Time     `json:"warning_at"`
	Paused    bool           `json:"paused"` // paused after its deadline: still breached
	Policy    string         `json:"policy"`
	Team      string         `json:"team"`
	Channel   event.Channel  `json:"channel"`
	Priority  event.Priority `json:"priority"`
	TicketURL string         `json:"ticket_url,omitempty"`
}

type atRiskList struct {
	Now       time.Time    `json:"now"`
	Team      string       `json:"team,omitempty"`
	Limit     int          `json:"limit"`
	Truncated bool         `json:"truncated"` // more clocks run than limit
	Tickets   []atRiskItem `json:"tickets"`
}

// atRisk serves GET /api/at-risk?team=&limit=: the running clocks, breached
// first (most overdue first), then by time left — which is deadline order,
// the order the store keeps them in. Bad parameters answer 400 with
// {"error", "parameter"}.
func (a *API) atRisk(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	if a.Clocks == nil {
		writeError(w, http.StatusNotImplemented, "the at-risk view needs a store that lists running clocks, which this server does not have", nil)
		return
	}
	v := r.URL.Query()
	badParam := func(name, msg string) {
		writeError(w, http.StatusBadRequest, name+": "+msg, map[string]string{"parameter": name})
	}
	limit := MaxAtRisk
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxAtRisk {
			badParam("limit", "want a whole number from 1 to "+strconv.Itoa(MaxAtRisk))
			return
		}
		limit = n
	}
	team := v.Get("team")
	if team != "" && !a.hasTeam(team) {
		badParam("team", "no policy is owned by team "+quote(team))
		return
	}
	list, err := a.running(r.Context(), team, limit)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "at-risk list failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	writeJSONIndent(w, http.StatusOK, list, "  ")
}

// running lists up to limit running clocks of team's policies (every
// team's when empty), in deadline order, for GET /api/at-risk and the
// dashboard.
func (a *API) running(ctx context.Context, team string, limit int) (atRiskList, error) {
	var keep func(store.Clock) bool
	if team != "" {
		keep = func(c store.Clock) bool { return a.Config.Team(c.Policy) == team }
	}
	now := a.Now()
	clocks, truncated, err := a.Clocks.Running(ctx, limit, keep)
	if err != nil {
		return atRiskList{}, err
	}
	list := atRiskList{Now: now.UTC(), Team: team, Limit: limit, Truncated: truncated, Tickets: make([]atRiskItem, 0, len(clocks))}
	for _, c := range clocks {
		it := atRiskItem{
			Source: c.Source, TicketID: c.ID, Metric: c.Metric, Cycle: c.Cycle, State: c.State(now),
			DueAt: c.Due.UTC(), SecondsLeft: floorSeconds(c.Due.Sub(now)), Paused: c.Paused,
			Policy: c.Policy, Team: a.Config.Team(c.Policy), Channel: c.Channel, Priority: c.Priority,
			TicketURL: a.Config.Link(c.Source, c.ID),
		}
		if !c.Warn.IsZero() {
			at := c.Warn.UTC()
			it.WarningAt = &at
		}
		list.Tickets = append(list.Tickets, it)
	}
	return list, nil
}

// hasTeam reports whether a configured policy is owned by team; the
// default team always counts (it owns tickets of a policy since removed
// from the configuration).
func (a *API) hasTeam(team string) bool {
	if team == policy.DefaultTeam {
		return true
	}
	for _, p := range a.Config.Policies {
		if a.Config.Team(p.Name) == team {
			return true
		}
	}
	return false
}

// floorSeconds rounds d down to whole seconds (towards minus infinity, so
// that half a second overdue is -1, not 0).
func floorSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d < 0 && d%time.Second != 0 {
		s--
	}
	return s
}
