package zendesk

//go:generate go tool oapi-codegen -config ../../oapi-codegen.yaml -package zendesk -o client.gen.go ../../api/zendesk.yaml
