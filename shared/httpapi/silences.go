package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

// maxSilenceBody bounds a silence request: matchers and a reason fit in a
// few hundred bytes.
const maxSilenceBody = 64 << 10

// routeSilences serves the silences (docs/silences.md):
//
//	GET  /api/silences              every silence not yet purged, with its state
//	POST /api/silences              create one: 201 with it
//	POST /api/silences/{id}/expire  end one now: 200 with it
//
// Expiring is a POST to its own path rather than a DELETE: the silence is
// not deleted, it ends, and stays listed (and keeps what it held for its
// digest) until the store purges it.
func (a *API) routeSilences(mux *http.ServeMux) {
	mux.HandleFunc("/api/silences", a.silences)
	mux.HandleFunc("/api/silences/{id}/expire", a.expireSilence)
}

// SilenceView is a silence as the API shows it: with its state at the
// time of the request (pending, active or ended).
type SilenceView struct {
	silence.Silence
	State silence.State `json:"state"`
}

// SilenceRequest is the body of POST /api/silences. Match is an object of
// key to value, or a string "key=value,key=value"; Starts (default: now)
// and Ends are RFC 3339 times.
type SilenceRequest struct {
	Match     json.RawMessage `json:"match"`
	Starts    string          `json:"starts,omitempty"`
	Ends      string          `json:"ends"`
	Reason    string          `json:"reason"`
	CreatedBy string          `json:"created_by,omitempty"`
}

func (a *API) silences(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET or POST", nil)
	case a.Silences == nil:
		writeError(w, http.StatusNotImplemented, "this server keeps no silences", nil)
	case r.Method == http.MethodPost:
		a.createSilence(w, r)
	default:
		ss, err := a.Silences.Silences(r.Context())
		if err != nil {
			a.Log.ErrorContext(r.Context(), "list silences failed", "err", err)
			writeError(w, http.StatusInternalServerError, "internal error", nil)
			return
		}
		now := a.Now()
		views := make([]SilenceView, len(ss))
		for i, s := range ss {
			views[i] = SilenceView{s, s.StateAt(now)}
		}
		writeJSONIndent(w, http.StatusOK, map[string]any{"silences": views}, "  ")
	}
}

func badSilence(w http.ResponseWriter, parameter, msg string) {
	writeError(w, http.StatusBadRequest, parameter+": "+msg, map[string]string{"parameter": parameter})
}

func (a *API) createSilence(w http.ResponseWriter, r *http.Request) {
	// JSON only: a browser cannot send it cross-site without a preflight,
	// so a page elsewhere cannot silence a local server's alerts with a
	// form post.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "content type must be application/json", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSilenceBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body larger than the limit", nil)
		return
	}
	var req SilenceRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		param, msg := "body", "want a JSON object with match, ends and reason (starts and created_by optional)"
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			param, msg = strings.Trim(f, `"`), "unknown field"
		}
		badSilence(w, param, msg)
		return
	}
	match, err := parseMatch(req.Match)
	if err == nil {
		var starts, ends time.Time
		if starts, err = parseTime("starts", req.Starts); err == nil {
			if ends, err = parseTime("ends", req.Ends); err == nil {
				var s silence.Silence
				if s, err = silence.New(match, starts, ends, req.Reason, req.CreatedBy, a.Now(), a.silenceMax()); err == nil {
					a.storeSilence(w, r, s)
					return
				}
			}
		}
	}
	var se *silence.Error
	if errors.As(err, &se) {
		badSilence(w, se.Field, se.Msg)
		return
	}
	a.Log.ErrorContext(r.Context(), "create silence failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal error", nil)
}

func (a *API) storeSilence(w http.ResponseWriter, r *http.Request, s silence.Silence) {
	if err := a.Silences.PutSilence(r.Context(), s); err != nil {
		a.Log.ErrorContext(r.Context(), "store silence failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	// Who silenced what, and why, is worth a line of its own.
	a.Log.InfoContext(r.Context(), "silence created", "silence", s.ID, "match", s.MatchString(),
		"starts", s.Starts.Format(time.RFC3339), "ends", s.Ends.Format(time.RFC3339), "created_by", s.CreatedBy, "reason", s.Reason)
	writeJSONIndent(w, http.StatusCreated, SilenceView{s, s.StateAt(a.Now())}, "  ")
}

// parseMatch reads the matchers as an object or as "k=v,k=v".
func parseMatch(raw json.RawMessage) (map[string]string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, silence.CheckMatch(nil)
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &silence.Error{Field: silence.KeyMatch, Msg: "not a JSON string"}
		}
		return silence.Parse(s)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &silence.Error{Field: silence.KeyMatch, Msg: `want an object of strings such as {"source": "zendesk", "team": "billing"}, or "source=zendesk,team=billing"`}
	}
	return m, silence.CheckMatch(m)
}

// parseTime reads an RFC 3339 time; empty is the zero time (New says
// whether that is allowed).
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &silence.Error{Field: field, Msg: "want an RFC 3339 time such as 2026-12-24T18:00:00Z, got " + quote(s)}
	}
	return t, nil
}

func (a *API) silenceMax() time.Duration {
	if a.Config == nil {
		return 0 // silence.DefaultMaxDuration
	}
	return a.Config.Alerts.SilenceMaxDuration
}

func (a *API) expireSilence(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use POST", nil)
		return
	}
	if a.Silences == nil {
		writeError(w, http.StatusNotImplemented, "this server keeps no silences", nil)
		return
	}
	id := r.PathValue("id")
	s, err := a.Silences.ExpireSilence(r.Context(), id, a.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no silence "+quote(id), nil)
	case err != nil:
		a.Log.ErrorContext(r.Context(), "expire silence failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
	default:
		a.Log.InfoContext(r.Context(), "silence expired", "silence", s.ID, "match", s.MatchString())
		writeJSONIndent(w, http.StatusOK, SilenceView{s, s.StateAt(a.Now())}, "  ")
	}
}
