package sla_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
)

func TestQuietHoursHoldNonUrgentAlerts(t *testing.T) {
	cfg, err := policy.Parse([]byte(`
calendars:
  office:
    timezone: America/New_York
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
policies:
  - name: email
    calendar: office
    quiet_hours: true
    first_response: {within: 1h}
    warnings: [30m]
    escalation:
      - {after: 0s, notify: on-call}
`))
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	fri1630 := time.Date(2026, 11, 27, 16, 30, 0, 0, ny) // Friday
	mon0900 := time.Date(2026, 11, 30, 9, 0, 0, 0, ny)
	tests := []struct {
		priority event.Priority
		want     []time.Time // warning, breach, escalation
	}{
		// Calendar-time target: due Friday 17:30. The warning at 17:00 is
		// already outside the 09:00-17:00 hours (17:00 is closing), and so are
		// breach and escalation: all wait for Monday 09:00.
		{event.Normal, []time.Time{mon0900, mon0900, mon0900}},
		// Urgent tickets page whatever the hour.
		{event.Urgent, []time.Time{fri1630.Add(30 * time.Minute), fri1630.Add(time.Hour), fri1630.Add(time.Hour)}},
	}
	for _, tt := range tests {
		tk := sla.New("s", "1")
		tk, _, err := sla.Apply(cfg, tk, event.Event{Source: "s", TicketID: "1", ID: "c", Kind: event.TicketCreated,
			OccurredAt: fri1630, Author: event.Customer, Priority: tt.priority})
		if err != nil {
			t.Fatal(err)
		}
		if len(tk.Pending) != 3 {
			t.Fatalf("%s: %d pending alerts", tt.priority, len(tk.Pending))
		}
		for i, a := range tk.Pending {
			if !a.At.Equal(tt.want[i]) {
				t.Errorf("%s: %s at %s, want %s", tt.priority, a.Kind, a.At.In(ny), tt.want[i])
			}
			if !a.DueAt.Equal(fri1630.Add(time.Hour)) {
				t.Errorf("%s: %s carries due %s; the deadline itself does not move", tt.priority, a.Kind, a.DueAt)
			}
		}
	}
}
