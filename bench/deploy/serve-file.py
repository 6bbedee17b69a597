"""Serves one file over HTTP on 127.0.0.1 for the image pipeline benchmark, with sendfile(2) so the server costs
next to no CPU and both clients measured against it share the same, cheap source. Prints its port, then serves
until killed. Usage: serve-file.py FILE"""
import http.server
import os
import sys

PATH = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        size = os.path.getsize(PATH)
        self.send_response(200)
        self.send_header('Content-Length', str(size))
        self.send_header('Content-Type', 'application/octet-stream')
        self.end_headers()
        self.wfile.flush()
        with open(PATH, 'rb') as f:
            self.connection.sendfile(f)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
