package docspace

//go:generate go tool oapi-codegen -config ../../oapi-codegen.yaml -package docspace -o client.gen.go ../../api/docspace.yaml
