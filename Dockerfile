# relmongo: one binary for `api`, `worker` and `dev`. Build: docker build -t relmongo .
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV GOTOOLCHAIN=local CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /out/relmongo ./cmd/relmongo && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/relmongo /usr/local/bin/relmongo
# /data (the store's volume in docker-compose.yml) belongs to the nonroot user, so a new named
# volume, which copies the image's directory, is writable by relmongo.
COPY --from=build --chown=65532:65532 /out/data /data
ENTRYPOINT ["/usr/local/bin/relmongo"]
