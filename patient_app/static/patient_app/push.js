// Web push: subscribe with the server's VAPID public key and store the subscription as a
// device (POST /api/v1/me/devices/ with platform "web"). Without a key, push is unavailable.
import { call } from "./api.js";

function vapidKey() {
  return document.body.dataset.vapidKey || "";
}

export function pushAvailable() {
  return Boolean(vapidKey() && "serviceWorker" in navigator && "PushManager" in window);
}

function keyBytes(base64url) {
  const padded = (base64url + "=".repeat((4 - (base64url.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export async function pushSubscribe() {
  const registration = await navigator.serviceWorker.ready;
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return null;
  const subscription = (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapidKey()) }));
  return call("POST", "me/devices/", { platform: "web", subscription: subscription.toJSON() });
}

export async function pushUnsubscribe() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (subscription) await subscription.unsubscribe();
}
