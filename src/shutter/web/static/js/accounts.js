// The account calls of issue 17 (password reset, email verification and change), kept
// apart from api.js so that the shared module changes little.

import { auth, request } from "./api.js";

export const requestPasswordReset = (email) => request("POST", "/auth/password-reset", { body: { email } });
export const confirmPasswordReset = (token, newPassword) =>
  request("POST", "/auth/password-reset/confirm", { body: { token, new_password: newPassword } });
export const verifyEmail = (token) => request("POST", "/auth/verify-email", { body: { token } });
export const resendVerification = () => request("POST", "/auth/resend-verification");
export const changeEmail = (password, newEmail) =>
  request("POST", "/auth/email", { body: { password, new_email: newEmail } });
export async function changePassword(currentPassword, newPassword) {
  const data = await request("POST", "/auth/password", { body: { current_password: currentPassword, new_password: newPassword } });
  auth.token = data.access_token; // the others are revoked; this device stays signed in
  return data;
}

/** The one-time token of a mailed link (it travels in the fragment, never to a server). */
export function tokenFromLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  return params.get("token") || "";
}

export const sessions = async () => (await request("GET", "/sessions")).sessions;
export const endSession = (id) => request("DELETE", `/sessions/${id}`);
export const endOtherSessions = () => request("DELETE", "/sessions");

export const beginTotp = () => request("POST", "/auth/mfa/totp");
export const confirmTotp = (code) => request("POST", "/auth/mfa/totp/confirm", { body: { code } });
export const disableTotp = (password, code) => request("DELETE", "/auth/mfa/totp", { body: { password, code } });
export async function loginWithCode(challenge, code) {
  const data = await request("POST", "/auth/login/mfa", { body: { challenge, code } });
  auth.token = data.access_token;
  auth.refreshToken = data.refresh_token;
  return data;
}
