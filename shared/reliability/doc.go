// Package reliability holds slawatch's end-to-end reliability runs; it has
// no code of its own, only tests. The fault run (faults_test.go) drives the
// real webhook handler, store, acknowledgement service and checker against
// DynamoDB Local and an SNS/SQS emulator through a fault-injecting proxy
// (infra/faultproxy), and checks that no ticket update, alert or
// acknowledgement is lost. docs/RELIABILITY.md describes the runs and their
// last results.
package reliability
