module github.com/slawatch/slawatch

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/rickar/cal/v2 v2.1.13
	go.yaml.in/yaml/v3 v3.0.4
)
