package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DueItemPut returns a batch write of a bare ticket item due at at, for
// seeding benchmarks with thousands of tickets without the engine.
func DueItemPut(k Key, at time.Time) (types.WriteRequest, error) {
	it := ticketItem{PK: ticketPK(k), SK: skTicket, Version: 1, State: []byte(`{}`), DueShard: shardOf(ticketPK(k)), DueAt: at.UnixMilli()}
	item, err := attributevalue.MarshalMap(it)
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}, err
}
