// The console's only way to the data: GraphQL over HTTP on /graphql, and graphql-transport-ws for live updates.

const TOKEN_KEY = "asnflow.token";

export class GraphQLFailure extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** POST a GraphQL operation; answers {data, errors} as the server sent them (errors kept for partial data). */
export async function request(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLFailure([{ message: `the server answered HTTP ${response.status}` }]);
  }
  if (response.status === 401) {
    window.dispatchEvent(new CustomEvent("asnflow:signed-out", { detail: body }));
  }
  return body;
}

/** The data of an operation; throws GraphQLFailure when there is none. */
export async function gql(query, variables = {}) {
  const body = await request(query, variables);
  if (!body.data) throw new GraphQLFailure(body.errors || [{ message: "no data" }]);
  if (body.errors && body.errors.length) console.info("asnflow: partial answer", body.errors.map((e) => e.message));
  return body.data;
}

// Round-2 names (API.md) arrive as other helpers merge; the console asks the server whether it knows each one.
// A probe that does not validate answers without data: the console then does without that field.
const PROBES = {
  actionInputs: `{ request(id: "0") { availableActions { inputs { name type required choices maxLength } } } }`,
  blockedBy: `{ request(id: "0") { availableActions { blockedBy } } }`,
  taskFilter: `{ myTasks(first: 1, filter: {}) { totalCount } }`,
  taskOverdue: `{ myTasks(first: 1) { edges { node { overdue } } } }`,
};

export const features = {};

export async function detectFeatures() {
  const names = Object.keys(PROBES);
  const answers = await Promise.all(names.map((name) => request(PROBES[name]).catch(() => ({}))));
  names.forEach((name, i) => {
    features[name] = Boolean(answers[i] && answers[i].data);
  });
  return features;
}

/**
 * A graphql-transport-ws subscription. Calls onEvent for every "next"; calls onUnavailable once when the
 * server has no such subscription or the socket closes, so the caller can poll instead.
 */
export function subscribe(query, variables, onEvent, onUnavailable) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let socket;
  let done = false;
  const giveUp = () => {
    if (done) return;
    done = true;
    onUnavailable();
  };
  try {
    socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
  } catch {
    giveUp();
    return () => {};
  }
  socket.addEventListener("open", () => {
    const payload = session.token ? { Authorization: `Bearer ${session.token}` } : {};
    socket.send(JSON.stringify({ type: "connection_init", payload }));
  });
  socket.addEventListener("message", (message) => {
    let msg;
    try {
      msg = JSON.parse(message.data);
    } catch {
      return;
    }
    if (msg.type === "connection_ack") {
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
    } else if (msg.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next") {
      if (msg.payload && msg.payload.data) onEvent(msg.payload.data);
      else giveUp();
    } else if (msg.type === "error" || msg.type === "complete") {
      giveUp();
      socket.close(1000);
    }
  });
  socket.addEventListener("close", giveUp);
  socket.addEventListener("error", giveUp);
  return () => {
    done = true;
    if (socket.readyState <= 1) socket.close(1000);
  };
}
