package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/slawatch/slawatch/shared/report"
)

// report serves GET /api/report?from=&to=&by=&tz=&breaches=: the SLA
// report as JSON, or as CSV when the request accepts text/csv (the group
// rows; with breaches=true the breached clocks instead). Bad parameters
// answer 400 with {"error", "parameter"}.
func (a *API) report(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	if a.History == nil {
		writeError(w, http.StatusNotImplemented, "reports need the SLA history, which this server does not keep", nil)
		return
	}
	v := r.URL.Query()
	breaches := false
	if s := v.Get("breaches"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "breaches: want true or false", map[string]string{"parameter": "breaches"})
			return
		}
		breaches = b
	}
	q, err := report.Parse(v.Get("from"), v.Get("to"), v.Get("by"), v.Get("tz"), breaches)
	var qe *report.Error
	if errors.As(err, &qe) {
		writeError(w, http.StatusBadRequest, qe.Error(), map[string]string{"parameter": qe.Parameter})
		return
	}
	svc := &report.Service{History: a.History, Retention: a.HistoryRetention}
	rep, err := svc.Run(r.Context(), q)
	switch {
	case errors.As(err, &qe):
		writeError(w, http.StatusBadRequest, qe.Error(), map[string]string{"parameter": qe.Parameter})
		return
	case err != nil:
		a.Log.ErrorContext(r.Context(), "report failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	if !acceptsCSV(r.Header.Get("Accept")) {
		writeJSONIndent(w, http.StatusOK, rep, "  ")
		return
	}
	name := "slawatch-sla-" + rep.From + "-" + rep.To
	write := rep.WriteCSV
	if breaches {
		name += "-breaches"
		write = rep.WriteBreachesCSV
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + ".csv"}))
	w.WriteHeader(http.StatusOK)
	_ = write(w) // the status is sent
}

// acceptsCSV reports whether an Accept header asks for text/csv before
// JSON: the first of the two it names (quality values aside), so that a
// browser's */* still gets JSON.
func acceptsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json":
			return false
		}
	}
	return false
}
