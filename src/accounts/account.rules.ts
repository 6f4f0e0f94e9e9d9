/** Input rules for accounts, shared by GraphQL and the legacy routes. Each failure names its field. */
import { InvalidInputError } from "../errors.js";
import { checkText } from "../shared/text.rules.js";

const USERNAME = /^[A-Za-z0-9_]{3,32}$/;
// The column is varchar(20): the "+" counts.
const PHONE = /^(?=.{5,20}$)\+?[0-9]{5,20}$/;

export const NICKNAME_MAX = 64;

export function checkUsername(username: string, field = "username"): string {
  if (!USERNAME.test(username)) {
    throw new InvalidInputError(
      field,
      "username must be 3-32 characters: letters a-z, digits and underscores",
    );
  }
  return username;
}

export function checkPassword(password: string, field = "password"): string {
  if (password.length < 8 || password.length > 128) {
    throw new InvalidInputError(field, "password must be 8-128 characters long");
  }
  if (!/\p{L}/u.test(password) || !/\p{N}/u.test(password)) {
    throw new InvalidInputError(field, "password must contain at least one letter and one digit");
  }
  return password;
}

export function checkPhone(phone: string, field = "phone"): string {
  if (!PHONE.test(phone)) {
    throw new InvalidInputError(field, "phone must be 5-20 characters: digits, optionally starting with +");
  }
  return phone;
}

export function checkHttpUrl(value: string, field: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || value.length > 512) {
    throw new InvalidInputError(field, `${field} must be an http(s) URL of at most 512 characters`);
  }
  return value;
}

export interface RegistrationFields {
  username?: string;
  password?: string;
  nickName?: string | null;
  phone?: string | null;
}

/** Every rule the given fields break (absent fields are not checked), in field order. */
export function registrationProblems(fields: RegistrationFields): InvalidInputError[] {
  const problems: InvalidInputError[] = [];
  const run = (check: () => unknown) => {
    try {
      check();
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      problems.push(err);
    }
  };
  if (fields.username !== undefined) run(() => checkUsername(fields.username!));
  if (fields.password !== undefined) run(() => checkPassword(fields.password!));
  if (fields.nickName != null) run(() => checkText(fields.nickName!, "nickName", NICKNAME_MAX));
  if (fields.phone != null && fields.phone !== "") run(() => checkPhone(fields.phone!));
  return problems;
}
