package replay_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

// The oracle groups tickets by the hour they arrived in on the team's
// clock. In Kolkata (UTC+5:30) tickets at 10:10 and 10:50 share the hour
// 10:00-11:00, though one arrived at 04:40 UTC and the other at 05:20.
// Answered after 10 minutes and 2 hours, the hour's p90 (nearest rank) is
// 2 hours, said "within 2 hours" to both: median promise 2h (the lower of
// two), both kept. Hours cut at the UTC hour would have promised the
// first its own 10 minutes ("within 15 minutes").
func TestOracleHoursOnTheTeamsClock(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Always(kolkata)
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, kolkata) }
	ticket := func(id string, created, replied time.Time) []event.Event {
		return []event.Event{
			{Source: "sim", TicketID: id, ID: id + "-c", Kind: event.TicketCreated, OccurredAt: created,
				Channel: event.Email, Priority: event.Normal, Author: event.Customer},
			{Source: "sim", TicketID: id, ID: id + "-r", Kind: event.AgentReply, OccurredAt: replied,
				Author: event.Agent, Public: true},
		}
	}
	trace := append(ticket("a", at(10, 10), at(10, 20)), ticket("b", at(10, 50), at(12, 50))...)
	c := replay.Compare(trace, replay.Options{Calendar: cal, Target: 8 * time.Hour})
	if o := c.Oracle; o.Tickets != 2 || o.Kept != 2 || o.MedianPromise != 2*time.Hour {
		t.Errorf("oracle: %d tickets, %d kept, median promise %v; want 2, 2, 2h", o.Tickets, o.Kept, o.MedianPromise)
	}
}
