package zendesk

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../oapi-codegen.yaml -package zendesk -o client.gen.go ../../api/zendesk.yaml
