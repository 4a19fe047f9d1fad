package dev.vulcan.api;

/** The body of every 4xx and 5xx answer: {"error":{"code","message"}}. */
public record ApiError(Detail error) {

    public record Detail(String code, String message) {}

    public static ApiError of(String code, String message) {
        return new ApiError(new Detail(code, message));
    }
}
