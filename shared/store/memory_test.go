package store_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/store"
	"github.com/slawatch/slawatch/shared/store/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Tickets { return store.NewMemory() })
}

func TestMemoryClocksContract(t *testing.T) {
	storetest.RunClocks(t, func(*testing.T) storetest.ClockStore { return store.NewMemory() })
}

func TestMemoryQueuesContract(t *testing.T) {
	storetest.RunQueues(t, func(*testing.T) store.Queues { return store.NewMemory() })
}

func TestMemoryHistoryContract(t *testing.T) {
	storetest.RunHistory(t, func(_ *testing.T, now func() time.Time, retention time.Duration) store.History {
		m := store.NewMemoryAt(now)
		m.HistoryRetention = retention
		return m
	})
}

func TestMemoryLongTicket(t *testing.T) {
	s := store.NewMemory()
	storetest.RunLong(t, s, storetest.JSONSize(s), 10_000)
}
