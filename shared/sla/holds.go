package sla

import (
	"slices"

	"github.com/slawatch/slawatch/shared/event"
)

// Holds reports whether the ticket has already applied the event with this
// id: it is in the log, or it was folded into the checkpoint among the
// recently folded ids (Checkpoint.Seen, the last 512) or as the watermark.
// Apply changes nothing for an event the ticket holds; the store uses Holds
// to de-duplicate without a record of its own (docs/data-model.md,
// "De-duplication").
//
// An event folded further back is no longer held, but it cannot be applied
// twice either: it sorts at or before the watermark, so Apply refuses it
// with ErrTooLate.
func (t *Ticket) Holds(eventID string) bool {
	if eventID == "" {
		return false
	}
	if slices.ContainsFunc(t.Events, func(e event.Event) bool { return e.ID == eventID }) {
		return true
	}
	cp := t.Checkpoint
	return cp != nil && (cp.ID == eventID || cp.seen(eventID))
}
