package docspace

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../oapi-codegen.yaml -package docspace -o client.gen.go ../../api/docspace.yaml
