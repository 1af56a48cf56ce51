// The customer demo chat (/demo/chat/{thread}): watches the conversation on /hubs/handoffs with the browser SignalR
// client and shows where the agent is. The hub sends the current state on watching (ConversationStatus), then each
// change (CaseWaiting, AgentConnecting, AgentConnected only after the agent's context recall, CaseResolved), all as
// { conversation, state, handoff_id?, agent_id?, channel? }. Text goes in with textContent only, never as markup.
(() => {
  "use strict";

  const chat = document.querySelector("[data-testid=chat]");
  const thread = chat?.dataset.thread;
  if (!thread) return;

  const part = (testId) => chat.querySelector(`[data-testid=${testId}]`);
  const statusLine = chat.querySelector(".chat-status");
  const status = part("chat-status");
  const agentCard = chat.querySelector(".chat-agent-card");
  const agentAvatar = chat.querySelector(".chat-agent-avatar");
  const agentName = part("chat-agent");
  const agentChannel = part("chat-channel");
  const retry = part("chat-retry");
  const messages = part("chat-messages");
  const form = part("chat-compose");
  const input = part("chat-input");
  const send = form.querySelector("button");

  const texts = {
    none: () => "No agent has been asked to join this conversation yet.",
    waiting: () => "Waiting for an agent…",
    connecting: () => "An agent is joining — connecting…",
    connected: (s) => `Connected to ${s.agent_id}`,
    resolved: () => "Resolved — thanks for contacting us.",
  };

  /** Shows one state: the status line, the agent (when known), the retry button on errors, the input only when connected. */
  function show(state, text, agent, channel) {
    statusLine.dataset.state = state;
    status.textContent = text;
    agentCard.hidden = !agent;
    agentAvatar.textContent = agent ? agent.charAt(0).toUpperCase() : "";
    agentName.textContent = agent ?? "";
    agentChannel.textContent = channel ? `via ${channel}` : "";
    retry.hidden = state !== "error";
    const connected = state === "connected";
    input.disabled = send.disabled = !connected;
    input.placeholder = connected ? "Type a message (demo, not sent)" : "Waiting for an agent…";
  }

  function showStatus(s) {
    const text = texts[s.state];
    if (!text) return;
    show(s.state, text(s), s.state === "waiting" || s.state === "none" ? null : s.agent_id, s.channel);
  }

  if (!window.signalR) {
    show("error", "The chat client did not load (run scripts/setup.sh).");
    retry.hidden = true;
    return;
  }

  const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/handoffs").withAutomaticReconnect().build();
  for (const event of ["ConversationStatus", "CaseWaiting", "AgentConnecting", "AgentConnected", "CaseResolved"]) {
    connection.on(event, showStatus);
  }
  connection.onreconnecting(() => show("reconnecting", "Connection lost — reconnecting…"));
  // A reconnect is a new hub connection: watch again, which also brings the state missed meanwhile.
  connection.onreconnected(() => watch());
  connection.onclose(() => show("error", "The chat connection was lost."));

  async function watch() {
    try {
      await connection.invoke("WatchConversation", thread);
    } catch {
      show("error", "The chat is not available right now.");
    }
  }

  async function start() {
    show("loading", "Connecting to the chat…");
    if (connection.state === signalR.HubConnectionState.Disconnected) {
      try {
        await connection.start();
      } catch {
        show("error", "Cannot reach the chat server.");
        return;
      }
    }
    await watch();
  }

  retry.addEventListener("click", start);

  // AgentDesk hands the context over, not the messages: a line typed here is shown locally and sent nowhere.
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const bubble = document.createElement("p");
    bubble.className = "chat-bubble chat-bubble-me";
    bubble.textContent = text;
    messages.append(bubble);
    input.value = "";
  });

  start();
})();
