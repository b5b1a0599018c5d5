# parse-compat server image: `docker build -t parse-compat .`
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY parse_compat ./parse_compat
COPY cloud_code ./cloud_code
COPY schema.json ./
RUN pip install --no-cache-dir .
EXPOSE 1337
ENTRYPOINT ["parse-compat"]
