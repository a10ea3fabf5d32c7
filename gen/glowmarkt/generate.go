package glowmarkt

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../../oapi-codegen.yaml -package glowmarkt -o client.gen.go ../../api/glowmarkt.yaml
