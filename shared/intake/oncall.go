package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// ErrUnknownIncident: an acknowledgement names no clock slawatch knows
// (another tool's incident, a digest, a ticket since deleted).
var ErrUnknownIncident = errors.New("intake: no such ticket clock")

// OnCall applies acknowledgements that on-call people make in their tools
// (a Slack button, PagerDuty, Opsgenie) to the ticket clock the incident
// stands for: its escalation levels not yet sent are held
// (sla.Acknowledge).
type OnCall struct {
	Policies sla.Policies
	Tickets  store.Tickets
}

// Acknowledge records ack on the clock incidentKey (oncall.IncidentKey)
// names. It reports whether the ticket changed: false for a repeat, or for
// a clock that has ended meanwhile. ErrUnknownIncident when the key names
// no clock of a stored ticket.
func (o *OnCall) Acknowledge(ctx context.Context, incidentKey string, ack sla.OnCallAck) (changed bool, err error) {
	source, id, metric, cycle, ok := oncall.ParseIncidentKey(incidentKey)
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownIncident, incidentKey)
	}
	k := store.Key{Source: source, ID: id}
	_, err = o.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		next, ch, err := sla.Acknowledge(o.Policies, t, metric, cycle, ack)
		changed = ch
		return next, ch, err
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, sla.ErrNoClock):
		return false, fmt.Errorf("%w: %s: %v", ErrUnknownIncident, incidentKey, err)
	case err != nil:
		return false, fmt.Errorf("intake: acknowledge %s/%s: %w", source, id, err)
	}
	return changed, nil
}
