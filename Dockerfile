# migrasafe in a container: `docker run --rm -v "$PWD:/src" migrasafe check db/migrations`.
#   docker build --build-arg MIGRASAFE_COMMIT=$(git rev-parse --short=12 HEAD) -t migrasafe .
# The build stage is Debian 12 with the build packages of scripts/setup-deps.sh;
# the final image is `scratch` holding only the fully static binary
# (MIGRASAFE_STATIC=ON, as `make dist` builds it).

FROM debian:12 AS build
COPY scripts/setup-deps.sh /migrasafe/scripts/setup-deps.sh
RUN bash /migrasafe/scripts/setup-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . /migrasafe
# .dockerignore leaves .git out, so --version names the commit given here.
ARG MIGRASAFE_COMMIT=unknown
RUN cmake -S /migrasafe -B /build -DCMAKE_BUILD_TYPE=Release -DMIGRASAFE_STATIC=ON -DMIGRASAFE_TESTS=OFF \
          -DMIGRASAFE_COMMIT="${MIGRASAFE_COMMIT}" \
 && cmake --build /build -j"$(nproc)" --target migrasafe \
 && strip /build/migrasafe

FROM scratch
COPY --from=build /build/migrasafe /usr/bin/migrasafe
# The repository is mounted here; paths in the report are relative to it.
WORKDIR /src
ENTRYPOINT ["/usr/bin/migrasafe"]
CMD ["--help"]
