"""A Flask app instrumented with prometheus_client, as in the Prometheus user guides.

    python3 app.py --host 127.0.0.1 --port 5000

GET / says hello and counts it in `hello_world_total`; GET /metrics is the exposition
(prometheus_client's WSGI app: the text format, or OpenMetrics when asked for it).
"""
import argparse
import random
import time

from flask import Flask
from prometheus_client import Counter, Histogram, make_wsgi_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

app = Flask(__name__)

HELLO = Counter("hello_world", "Number of hello world requests.")
LATENCY = Histogram(
    "hello_world_duration_seconds",
    "Time spent answering hello world requests.",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1),
)


@app.route("/")
def hello():
    with LATENCY.time():
        HELLO.inc()
        time.sleep(random.random() / 1000)
        return "Hello, World!\n"


# Serve /metrics from prometheus_client next to the Flask routes.
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": make_wsgi_app()})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app.run(host=args.host, port=args.port)
