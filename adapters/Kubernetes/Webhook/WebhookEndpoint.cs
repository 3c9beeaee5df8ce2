using System.Text.Json;
using Federation.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Federation.Adapters.Kubernetes.Webhook;

/// <summary>The thin HTTP endpoint of the webhook: <c>POST /mutate-pods</c>, an AdmissionReview in, an AdmissionReview out (decided by <see cref="PodMutator"/>).</summary>
public static class WebhookEndpoint
{
    private const long MaxBody = 4 * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints, PodMutator mutator) =>
        endpoints.MapPost(PodMutator.Path, async (HttpContext context) =>
        {
            if (context.Request.ContentLength is > MaxBody) return Results.Text("federation: the AdmissionReview is larger than 4 MiB", statusCode: StatusCodes.Status413PayloadTooLarge);
            AdmissionReviewMessage? review;
            try
            {
                review = await JsonSerializer.DeserializeAsync<AdmissionReviewMessage>(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.Text($"federation: the body is not an AdmissionReview: {ErrorMappingInterceptor.OneLine(e.Message)}", statusCode: StatusCodes.Status400BadRequest);
            }
            if (review is null) return Results.Text("federation: the body is not an AdmissionReview", statusCode: StatusCodes.Status400BadRequest);
            return Results.Json(mutator.Review(review));
        });
}
