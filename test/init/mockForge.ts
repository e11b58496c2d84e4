/**
 * A local HTTP server speaking the small part of the GitHub and GitLab REST APIs the generated
 * scripts use (comments/notes and issues, with each forge's pagination), holding its state in
 * memory so a test can read what the scripts did. Pages are small (PAGE) so pagination is used.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const PAGE = 2;

export interface Comment {
  id: number;
  body: string;
  user: { type: string };
}
export interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  comments: string[];
}
export interface Call {
  method: string;
  path: string;
  auth: string | undefined;
}

export interface MockForge {
  url: string;
  calls: Call[];
  /** GitHub pull request 12's comments / GitLab merge request 7's notes. */
  comments: Comment[];
  issues: Issue[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

export async function startMockForge(forge: 'github' | 'gitlab'): Promise<MockForge> {
  const state: MockForge = { url: '', calls: [], comments: [], issues: [], close: async () => {} };
  let nextId = 1000;
  const page = <T>(list: T[], url: URL, res: ServerResponse, map: (t: T) => unknown) => {
    const n = Number(url.searchParams.get('page') ?? '1');
    const slice = list.slice((n - 1) * PAGE, n * PAGE);
    const more = n * PAGE < list.length;
    const headers: Record<string, string> = {};
    if (forge === 'github' && more) {
      const next = new URL(url);
      next.searchParams.set('page', String(n + 1));
      headers.link = `<${state.url}${next.pathname}${next.search}>; rel="next", <${state.url}/x?page=99>; rel="last"`;
    }
    if (forge === 'gitlab') headers['x-next-page'] = more ? String(n + 1) : '';
    send(res, 200, slice.map(map), headers);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://mock');
      const method = req.method ?? 'GET';
      const auth = forge === 'github' ? req.headers.authorization : (req.headers['private-token'] as string | undefined);
      state.calls.push({ method, path: url.pathname, auth });
      const ok = forge === 'github' ? auth === 'Bearer t0ken' : auth === 't0ken';
      if (!ok) return send(res, 401, { message: 'bad credentials' });
      const body = method === 'GET' ? {} : await readBody(req);
      const p = url.pathname;
      let m: RegExpExecArray | null;
      if (forge === 'github') {
        if (p === '/repos/o/r/issues/12/comments' && method === 'GET') return page(state.comments, url, res, (c) => c);
        if (p === '/repos/o/r/issues/12/comments' && method === 'POST') {
          const c = { id: nextId++, body: String(body.body), user: { type: 'Bot' } };
          state.comments.push(c);
          return send(res, 201, c);
        }
        if ((m = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(p)) && method === 'PATCH') {
          const c = state.comments.find((x) => x.id === Number(m![1]));
          if (!c) return send(res, 404, {});
          c.body = String(body.body);
          return send(res, 200, c);
        }
        if (p === '/repos/o/r/issues' && method === 'GET') {
          const open = state.issues.filter((i) => i.state === (url.searchParams.get('state') ?? 'open'));
          return page(open, url, res, (i) => ({ number: i.number, title: i.title, body: i.body, state: i.state }));
        }
        if (p === '/repos/o/r/issues' && method === 'POST') {
          const i: Issue = { number: nextId++, title: String(body.title), body: String(body.body), state: 'open', labels: (body.labels as string[]) ?? [], comments: [] };
          state.issues.push(i);
          return send(res, 201, { number: i.number });
        }
        if ((m = /^\/repos\/o\/r\/issues\/(\d+)(\/comments)?$/.exec(p))) {
          const i = state.issues.find((x) => x.number === Number(m![1]));
          if (!i) return send(res, 404, {});
          if (m[2] && method === 'POST') return (i.comments.push(String(body.body)), send(res, 201, {}));
          if (!m[2] && method === 'PATCH') {
            if (typeof body.body === 'string') i.body = body.body;
            if (body.state === 'closed') i.state = 'closed';
            return send(res, 200, {});
          }
        }
      } else {
        const mr = '/api/v4/projects/42/merge_requests/7/notes';
        if (p === mr && method === 'GET') return page(state.comments, url, res, (c) => ({ id: c.id, body: c.body }));
        if (p === mr && method === 'POST') {
          const c = { id: nextId++, body: String(body.body), user: { type: 'Bot' } };
          state.comments.push(c);
          return send(res, 201, c);
        }
        if ((m = /^\/api\/v4\/projects\/42\/merge_requests\/7\/notes\/(\d+)$/.exec(p)) && method === 'PUT') {
          const c = state.comments.find((x) => x.id === Number(m![1]));
          if (!c) return send(res, 404, {});
          c.body = String(body.body);
          return send(res, 200, c);
        }
        if (p === '/api/v4/projects/42/issues' && method === 'GET') {
          const wanted = url.searchParams.get('state') === 'opened' ? 'open' : 'closed';
          const label = url.searchParams.get('labels');
          const list = state.issues.filter((i) => i.state === wanted && (!label || i.labels.includes(label)));
          return page(list, url, res, (i) => ({ iid: i.number, title: i.title, description: i.body }));
        }
        if (p === '/api/v4/projects/42/issues' && method === 'POST') {
          const i: Issue = { number: nextId++, title: String(body.title), body: String(body.description), state: 'open', labels: String(body.labels ?? '').split(',').filter(Boolean), comments: [] };
          state.issues.push(i);
          return send(res, 201, { iid: i.number });
        }
        if ((m = /^\/api\/v4\/projects\/42\/issues\/(\d+)(\/notes)?$/.exec(p))) {
          const i = state.issues.find((x) => x.number === Number(m![1]));
          if (!i) return send(res, 404, {});
          if (m[2] && method === 'POST') return (i.comments.push(String(body.body)), send(res, 201, {}));
          if (!m[2] && method === 'PUT') {
            if (typeof body.description === 'string') i.body = body.description;
            if (body.state_event === 'close') i.state = 'closed';
            return send(res, 200, {});
          }
        }
      }
      send(res, 404, { message: `no route ${method} ${p}` });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
