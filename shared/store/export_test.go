package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/sla"
)

// DueItemPut returns a batch write of a bare ticket item due at at, for
// seeding benchmarks with thousands of tickets without the engine.
func DueItemPut(k Key, at time.Time) (types.WriteRequest, error) {
	it := ticketItem{PK: ticketPK(k), SK: skTicket, Version: 1, State: []byte(`{}`), DueShard: shardOf(ticketPK(k)), DueAt: at.UnixMilli()}
	item, err := attributevalue.MarshalMap(it)
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}, err
}

// TicketItemPut returns a batch write of t stored as Update stores it (the
// same item, indexes' attributes included), for seeding many tickets
// without a read and a transaction each.
func TicketItemPut(k Key, t sla.Ticket) (types.WriteRequest, error) {
	it, err := newTicketItem(k, t, 1)
	if err != nil {
		return types.WriteRequest{}, err
	}
	item, err := attributevalue.MarshalMap(it)
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}, err
}

// RecentFor sets how long s trusts a ticket it read or wrote (recent); a
// negative age makes it read before every update, as a store in another
// process would.
func RecentFor(s *DynamoDB, age time.Duration) { s.recent.maxAge = age }
